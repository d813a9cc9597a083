import type { Redis } from 'ioredis';

/** Thrown when Redis may evict keys: queued jobs and rate-limit state would vanish silently. */
export class RedisEvictionPolicyError extends Error {
  override readonly name = 'RedisEvictionPolicyError';
}

/**
 * Resolves when Redis will never evict keys (`maxmemory-policy noeviction`), as BullMQ requires.
 * Reads the policy from INFO, which works where CONFIG is disabled (managed Redis services).
 */
export async function assertRedisNoEviction(redis: Redis): Promise<void> {
  const info = await redis.info('memory');
  const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
  if (policy === undefined) throw new RedisEvictionPolicyError('Redis did not report its maxmemory-policy (INFO memory)');
  if (policy !== 'noeviction') {
    throw new RedisEvictionPolicyError(`Redis maxmemory-policy is ${policy}; set it to noeviction, or queued jobs and rate limits can be evicted`);
  }
}

/**
 * Start-up rule: production refuses a Redis that may evict keys; elsewhere it is a warning. A
 * Redis that cannot be reached yet is not a reason to refuse (processes start before Redis and
 * connect later); the check is skipped with a warning.
 */
export async function checkRedisEvictionAtBoot(redis: Redis, production: boolean, logger: { warn(obj: object, msg: string): void }): Promise<void> {
  try {
    await Promise.race([
      // The fail-fast connection refuses commands until it is ready, so wait for that first.
      (redis.status === 'ready' ? Promise.resolve() : new Promise((resolve) => redis.once('ready', resolve))).then(() => assertRedisNoEviction(redis)),
      new Promise((_, reject) => setTimeout(() => reject(new Error('Redis did not answer within 2 s')), 2000).unref()),
    ]);
  } catch (error) {
    if (error instanceof RedisEvictionPolicyError) {
      if (production) throw error;
      logger.warn({ reason: error.message }, 'Redis may evict keys; fine for a trial, never for production');
      return;
    }
    logger.warn({ reason: error instanceof Error ? error.message : String(error) }, 'could not check the Redis eviction policy at boot');
  }
}
