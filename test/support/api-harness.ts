import { Writable } from 'node:stream';
import { mintDevToken } from '@byok/auth';
import { buildApi } from '@byok/api';
import { loadConfig, type Config } from '@byok/config';
import { createLogger } from '@byok/telemetry';
import { openRuntime, type Runtime } from '@byok/runtime';
import { deleteRedisPrefix } from './redis-cleanup.js';
import { testServiceUrls, uniqueTestName } from './services.js';
import { createTestDatabase, type TestDatabase, type TestDatabaseOptions } from './test-database.js';

/** The Fernet test key from the public spec vectors; protects nothing. */
export const TEST_ENCRYPTION_KEY = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=';
export const TEST_JWT_SECRET = 'test-only-jwt-secret-0123456789abcdef-not-real';

export interface ApiHarness {
  app: Awaited<ReturnType<typeof buildApi>>;
  db: TestDatabase;
  runtime: Runtime;
  config: Config;
  redisPrefix: string;
  /** Every log line the API wrote, for redaction checks. */
  logs: string[];
  token(userId: string, options?: { admin?: boolean; ttlSeconds?: number }): Promise<string>;
  close(): Promise<void>;
}

export interface ApiHarnessOptions {
  env?: Record<string, string>;
  database?: TestDatabaseOptions;
  /** Use this database instead of creating one (e.g. reached through a TCP switch). */
  databaseUrl?: (db: TestDatabase) => string;
  redisUrl?: string;
}

/** A real API on its own database and Redis prefix, for `app.inject` tests. */
export async function startApiHarness(label: string, options: ApiHarnessOptions = {}): Promise<ApiHarness> {
  const db = await createTestDatabase(label, options.database);
  const redisPrefix = uniqueTestName(label);
  const config = loadConfig({
    DATABASE_URL: options.databaseUrl ? options.databaseUrl(db) : db.url,
    REDIS_URL: options.redisUrl ?? testServiceUrls().redisUrl,
    REDIS_PREFIX: redisPrefix,
    BYOK_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'info',
    DATABASE_POOL_MAX: '20',
    // Suites send many bad credentials from one address on purpose; the failed-auth throttle
    // (AUTH_FAILURE_LIMIT) would turn them into 429s. Its own tests turn it on.
    AUTH_FAILURE_LIMIT: '0',
    // Key saves take from the per-user key-test budget (5 a minute by default); tests that save
    // many keys for one user are not about that budget, and the ones that are set it themselves.
    KEY_TEST_RATE_LIMIT_PER_MINUTE: '1000',
    ...options.env,
  });
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(String(chunk));
      callback();
    },
  });
  const logger = createLogger({ level: config.logLevel, name: 'api-test', destination });
  const runtime = await openRuntime(config, logger);
  await runtime.redis.ping().catch(() => undefined);
  const app = await buildApi(runtime);
  await app.ready();
  return {
    app,
    db,
    runtime,
    config,
    redisPrefix,
    logs,
    token: (userId, tokenOptions = {}) =>
      mintDevToken({
        secret: TEST_JWT_SECRET,
        issuer: config.auth.issuer,
        audience: 'byok-gateway',
        userId,
        admin: tokenOptions.admin ?? false,
        userIdClaim: config.auth.userIdClaim,
        ttlSeconds: tokenOptions.ttlSeconds ?? 3600,
      }),
    async close() {
      await app.close();
      await runtime.close();
      await deleteRedisPrefix(redisPrefix);
      await db.drop();
    },
  };
}

/** Fake provider keys that pass each provider's format check; obviously not real. */
export const FAKE_KEYS = {
  openrouter: `sk-or-v1-${'fa4e'.repeat(16)}`,
  openai: `sk-proj-${'FakeTestKey0'.repeat(6)}AbT3BlbkFJ${'FakeTestKey0'.repeat(6)}Ab`,
  anthropic: `sk-ant-api03-${'FakeTestKey_'.repeat(7)}FakeTestKAA`,
  groq: `gsk_${'FakeTestKey0'.repeat(4)}`,
} as const;
