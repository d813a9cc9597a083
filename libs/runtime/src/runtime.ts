import { createAuthenticator, type Authenticator } from '@byok/auth';
import type { Config } from '@byok/config';
import { createStoredKeyring, type StoredKeyring } from '@byok/crypto';
import { openDatabase, type Orm } from '@byok/db';
import { createProducerConnection, createProducers, type Producers } from '@byok/queues';
import { queueTelemetry, type Logger } from '@byok/telemetry';
import type { Redis } from 'ioredis';

/** The shared infrastructure every process opens once: database, keyring, Redis, producers, auth. */
export interface Runtime {
  config: Config;
  logger: Logger;
  orm: Orm;
  /** A `Keyring` that also binds tokens to rows and knows key fingerprints (see @byok/crypto). */
  keyring: StoredKeyring;
  /** Fail-fast command connection (producers, rate limits, publishes, readiness). */
  redis: Redis;
  producers: Producers;
  authenticator: Authenticator;
  close(): Promise<void>;
}

export async function openRuntime(config: Config, logger: Logger): Promise<Runtime> {
  const keyring = createStoredKeyring(config.encryptionKeys);
  const orm = await openDatabase({ databaseUrl: config.databaseUrl, poolMax: config.databasePoolMax });
  const redis = createProducerConnection(config.redisUrl);
  redis.on('error', (err) => logger.debug({ err }, 'redis connection error'));
  // With tracing on, every enqueue continues the caller's trace into the job (see queueTelemetry).
  const producers = createProducers({ connection: redis, prefix: config.redisPrefix, telemetry: queueTelemetry() });
  const authenticator = createAuthenticator(
    config.auth.mode === 'oidc'
      ? { mode: 'oidc', jwksUrl: config.auth.jwksUrl, issuer: config.auth.issuer, ...(config.auth.audience ? { audience: config.auth.audience } : {}), userIdClaim: config.auth.userIdClaim, adminRole: config.auth.adminRole }
      : { mode: 'hs256', secret: config.auth.secret, issuer: config.auth.issuer, audience: config.auth.audience, userIdClaim: config.auth.userIdClaim, adminRole: config.auth.adminRole },
  );
  return {
    config,
    logger,
    orm,
    keyring,
    redis,
    producers,
    authenticator,
    async close() {
      await producers.close();
      redis.disconnect();
      await orm.close(true);
    },
  };
}
