import { loadConfig } from '@byok/config';
import { checkRedisAtBoot, openRuntime, RedisPersistenceError } from '@byok/runtime';
import { createLogger } from '@byok/telemetry';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startThrowawayRedis, type ThrowawayRedis } from '../faults/support/throwaway-redis.js';
import { TEST_ENCRYPTION_KEY, TEST_JWT_SECRET } from '../support/api-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * #19.3: with `appendonly no`, Redis lost usage jobs it had just acknowledged when it restarted.
 * Production refuses such a Redis at boot (or only warns, by REDIS_PERSISTENCE_CHECK), as it does
 * for a Redis that may evict keys. The Redis here is the test's own; its AOF is switched off at
 * run time with CONFIG SET, never on the shared server.
 */
describe('Redis without an append-only file', () => {
  let server: ThrowawayRedis;
  let redis: Redis;
  let db: TestDatabase;
  beforeAll(async () => {
    server = await startThrowawayRedis();
    redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
    db = await createTestDatabase('redis_persistence');
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.close();
    await db?.drop();
  });

  const warnings: string[] = [];
  const logger = { warn: (_: object, message: string) => void warnings.push(message) };

  it('passes quietly while Redis keeps an append-only file', async () => {
    await checkRedisAtBoot(redis, { production: true, persistence: 'refuse' }, logger);
    expect(warnings).toEqual([]);
  });

  it('is refused in production, warned about with REDIS_PERSISTENCE_CHECK=warn, ignored with off and outside production', async () => {
    await redis.config('SET', 'appendonly', 'no');
    await expect(checkRedisAtBoot(redis, { production: true, persistence: 'refuse' }, logger)).rejects.toBeInstanceOf(RedisPersistenceError);
    await expect(checkRedisAtBoot(redis, { production: true, persistence: 'refuse' }, logger)).rejects.toThrow(/appendonly yes/);
    await checkRedisAtBoot(redis, { production: true, persistence: 'warn' }, logger);
    await checkRedisAtBoot(redis, { production: false, persistence: 'refuse' }, logger);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/no append-only file/);
    await checkRedisAtBoot(redis, { production: true, persistence: 'off' }, logger);
    expect(warnings).toHaveLength(1);
  });

  it('a production process refuses to start on it, naming the fix', async () => {
    await redis.config('SET', 'appendonly', 'no');
    const config = loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: db.url,
      REDIS_URL: server.url,
      BYOK_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY,
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
    });
    await expect(openRuntime(config, createLogger({ level: 'silent', name: 'persistence-test' }))).rejects.toThrow(/append-only file .*appendonly yes/);
  });
});
