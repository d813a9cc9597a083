import { TimeoutError, withTimeout } from '@byok/batch';
import type { Redis } from 'ioredis';
import { assertRedisNoEviction, RedisEvictionPolicyError } from './redis-eviction.js';
import { assertRedisAppendOnly, RedisPersistenceError } from './redis-persistence.js';

/** What the boot checks do with a Redis that fails them. */
export interface RedisBootPolicy {
  production: boolean;
  /** `REDIS_PERSISTENCE_CHECK`: in production `refuse` throws, `warn` logs, `off` skips; not checked elsewhere. */
  persistence: 'refuse' | 'warn' | 'off';
}

type BootLogger = { warn(obj: object, msg: string): void };

const ANSWER_WITHIN_MS = 2000;

/**
 * Start-up rules for the Redis the guarantees rest on: it must never evict keys (production
 * refuses; elsewhere a warning) and it must keep an append-only file (production refuses unless
 * `REDIS_PERSISTENCE_CHECK` says `warn` or `off`; outside production it is not checked: a trial
 * or a test on a Redis without AOF loses nothing that matters, and the warning would be noise on
 * every start of every tool). A Redis that cannot be
 * reached yet is not a reason to refuse (processes start before Redis and connect later); the
 * checks are skipped with a warning.
 */
export async function checkRedisAtBoot(redis: Redis, policy: RedisBootPolicy, logger: BootLogger): Promise<void> {
  try {
    await withTimeout(ready(redis), ANSWER_WITHIN_MS);
  } catch (error) {
    logger.warn({ reason: describe(error) }, 'could not check the Redis eviction policy and persistence at boot');
    return;
  }
  await applyRule(() => assertRedisNoEviction(redis), RedisEvictionPolicyError, policy.production, logger, 'Redis may evict keys; fine for a trial, never for production');
  if (!policy.production || policy.persistence === 'off') return;
  await applyRule(
    () => assertRedisAppendOnly(redis),
    RedisPersistenceError,
    policy.persistence === 'refuse',
    logger,
    'Redis keeps no append-only file: jobs it acknowledged are lost if it restarts (REDIS_PERSISTENCE_CHECK=warn)',
  );
}

async function applyRule(check: () => Promise<void>, refusal: new (...args: never[]) => Error, refuse: boolean, logger: BootLogger, warning: string): Promise<void> {
  try {
    await withTimeout(check(), ANSWER_WITHIN_MS);
  } catch (error) {
    if (error instanceof refusal) {
      if (refuse) throw error;
      logger.warn({ reason: error.message }, warning);
      return;
    }
    logger.warn({ reason: describe(error) }, 'could not check Redis at boot');
  }
}

/** The fail-fast connection refuses commands until it is ready, so wait for that first. */
function ready(redis: Redis): Promise<unknown> {
  return redis.status === 'ready' ? Promise.resolve() : new Promise((resolve) => redis.once('ready', resolve));
}

function describe(error: unknown): string {
  if (error instanceof TimeoutError) return `Redis did not answer within ${error.timeoutMs} ms`;
  return error instanceof Error ? error.message : String(error);
}
