import { createAuthenticator, type Authenticator } from '@byok/auth';
import type { Config } from '@byok/config';
import { createStoredKeyring, type StoredKeyring } from '@byok/crypto';
import { isDatabaseUnavailable, openDatabase, type Orm } from '@byok/db';
import { createProducerConnection, createProducers, type Producers } from '@byok/queues';
import { queueTelemetry, type Logger } from '@byok/telemetry';
import type { Redis } from 'ioredis';
import { createBindingPolicy } from './binding-policy.js';
import { startPeriodicTask } from './periodic-task.js';
import { checkRedisAtBoot } from './redis-boot-checks.js';
import { checkStoredKeys, StoredKeysUnreadableError } from './stored-keys-check.js';

/** The shared infrastructure every process opens once: database, keyring, Redis, producers, auth. */
export interface Runtime {
  config: Config;
  logger: Logger;
  orm: Orm;
  /**
   * A `Keyring` that also binds tokens to rows and knows key fingerprints (see @byok/crypto). It
   * refuses untagged tokens as `BYOK_REQUIRE_BINDING` says (see `createBindingPolicy`).
   */
  keyring: StoredKeyring;
  /** True once this process refuses stored keys without a binding tag. */
  bindingRequired(): boolean;
  /** Fail-fast command connection (producers, rate limits, publishes, readiness). */
  redis: Redis;
  producers: Producers;
  authenticator: Authenticator;
  close(): Promise<void>;
}

/** Options of `openRuntime`. */
export interface OpenRuntimeOptions {
  /**
   * What to do when the configured encryption keys would leave stored keys undecryptable (see
   * `checkStoredKeys`): `refuse` (the default, for every serving process) throws
   * `StoredKeysUnreadableError`; `warn` logs and goes on (the `keys:*` scripts, which exist to look
   * at exactly that); `off` skips the check.
   */
  storedKeysCheck?: 'refuse' | 'warn' | 'off';
}

/** How often a process in `BYOK_REQUIRE_BINDING=auto` looks whether the binding backfill has completed. */
const BINDING_REFRESH_MS = 60_000;

export async function openRuntime(config: Config, logger: Logger, options: OpenRuntimeOptions = {}): Promise<Runtime> {
  const binding = createBindingPolicy(config.requireBinding);
  const keyring = createStoredKeyring(config.encryptionKeys, { requireBindingTag: binding.required });
  const orm = await openDatabase({ databaseUrl: config.databaseUrl, poolMax: config.databasePoolMax });
  try {
    await binding.refresh(orm);
    await checkKeysAtBoot(orm, keyring, logger, options.storedKeysCheck ?? config.storedKeyCheck);
  } catch (error) {
    await orm.close(true);
    throw error;
  }
  const redis = createProducerConnection(config.redisUrl);
  redis.on('error', (err) => logger.debug({ err }, 'redis connection error'));
  try {
    await checkRedisAtBoot(redis, { production: config.production, persistence: config.redisPersistenceCheck }, logger);
  } catch (error) {
    redis.disconnect();
    await orm.close(true);
    throw error;
  }
  // With tracing on, every enqueue continues the caller's trace into the job (see queueTelemetry).
  const producers = createProducers({ connection: redis, prefix: config.redisPrefix, telemetry: queueTelemetry() });
  const bindingRefresh = startPeriodicTask({ name: 'binding policy', everyMs: config.requireBinding === 'auto' ? BINDING_REFRESH_MS : 0, run: () => binding.refresh(orm), logger });
  const orgClaim = config.auth.orgClaim ? { orgClaim: config.auth.orgClaim } : {};
  const authenticator = createAuthenticator(
    config.auth.mode === 'oidc'
      ? { mode: 'oidc', jwksUrl: config.auth.jwksUrl, issuer: config.auth.issuer, ...(config.auth.audience ? { audience: config.auth.audience } : {}), ...(config.auth.clientId ? { clientId: config.auth.clientId } : {}), userIdClaim: config.auth.userIdClaim, adminRole: config.auth.adminRole, ...orgClaim }
      : { mode: 'hs256', secret: config.auth.secret, issuer: config.auth.issuer, audience: config.auth.audience, userIdClaim: config.auth.userIdClaim, adminRole: config.auth.adminRole, ...orgClaim },
  );
  return {
    config,
    logger,
    orm,
    keyring,
    bindingRequired: binding.required,
    redis,
    producers,
    authenticator,
    async close() {
      await bindingRefresh.stop();
      await producers.close();
      redis.disconnect();
      await orm.close(true);
    },
  };
}

/**
 * Refuses a key list that would leave stored keys undecryptable, before anything serves. A
 * database that cannot be reached is not a reason to refuse (processes start without Postgres and
 * connect later); the check is then skipped with a warning.
 */
async function checkKeysAtBoot(orm: Orm, keyring: StoredKeyring, logger: Logger, mode: 'refuse' | 'warn' | 'off'): Promise<void> {
  if (mode === 'off') return;
  let check: Awaited<ReturnType<typeof checkStoredKeys>>;
  try {
    check = await checkStoredKeys({ orm, keyring });
  } catch (error) {
    if (!isDatabaseUnavailable(error)) throw error;
    logger.warn('database unreachable at boot: stored keys were not checked against the configured encryption keys');
    return;
  }
  const summary = { rows: check.coverage.totalRows, byKey: check.coverage.keys, unrecordedRows: check.coverage.unrecordedRows, sampled: check.sampled, webhookSecretsSampled: check.webhookSecretsSampled };
  if (check.problems.length === 0) {
    logger.info(summary, 'stored keys are readable with the configured encryption keys');
    return;
  }
  if (mode === 'refuse') throw new StoredKeysUnreadableError(check);
  logger.warn({ ...summary, problems: check.problems }, 'the configured encryption keys leave stored keys undecryptable (serving processes refuse to start like this)');
}
