import { Writable } from 'node:stream';
import { buildApi } from '@byok/api';
import { loadConfig, type Config } from '@byok/config';
import { PROVIDER_IDS } from '@byok/providers';
import { proxyPlugin, startProxyServices, type ProxyServices } from '@byok/proxy';
import { openRuntime, type Runtime } from '@byok/runtime';
import { createLogger } from '@byok/telemetry';
import { startUsageConsumer, type UsageConsumerHandle } from '@byok/usage-consumer';
import { startWorker, type WorkerHandle } from '@byok/worker';
import { chatRoutes } from '@byok/mock-providers/chat';
import { startMockProviders, type MockProviders } from '@byok/mock-providers';
import { TEST_ENCRYPTION_KEY, TEST_JWT_SECRET } from '../../support/api-harness.js';
import { mintDevToken } from '@byok/auth';
import { deleteRedisPrefix } from '../../support/redis-cleanup.js';
import { testServiceUrls, uniqueTestName } from '../../support/services.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';

export interface FaultStack {
  /** Origin of the API with the proxy mounted under /v1. */
  url: string;
  config: Config;
  runtime: Runtime;
  db: TestDatabase;
  mock: MockProviders;
  proxy: ProxyServices;
  worker: WorkerHandle;
  usage: UsageConsumerHandle;
  redisPrefix: string;
  /** Every log line of the stack (level info and up). */
  logs: string[];
  token(userId: string): Promise<string>;
  close(): Promise<void>;
}

export interface FaultStackOptions {
  /** Redis URL the whole stack uses (e.g. through a TCP switch); default the shared server. */
  redisUrl?: string;
  /** The database URL the stack uses, given the test database (e.g. through a TCP switch). */
  databaseUrl?: (db: TestDatabase) => string;
  slowDelayMs?: number;
  env?: Record<string, string>;
  /** Job locks of the in-process worker and consumer; short by default so crashed jobs return fast. */
  lockDurationMs?: number;
}

/**
 * The standalone shape (API + proxy on one port, worker, usage consumer) in this process, on its
 * own database and Redis prefix, with every provider pointed at the mock. Unlike the e2e stack it
 * serves no page and lets a test put Redis or Postgres behind a switch.
 */
export async function startFaultStack(label: string, options: FaultStackOptions = {}): Promise<FaultStack> {
  const mock = await startMockProviders({ slowDelayMs: options.slowDelayMs ?? 1500, extraRoutes: chatRoutes });
  const db = await createTestDatabase(label);
  const redisPrefix = uniqueTestName(label);
  const config = loadConfig({
    DATABASE_URL: options.databaseUrl ? options.databaseUrl(db) : db.url,
    REDIS_URL: options.redisUrl ?? testServiceUrls().redisUrl,
    REDIS_PREFIX: redisPrefix,
    BYOK_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'info',
    DATABASE_POOL_MAX: '10',
    KEY_TEST_WAIT_MS: '0',
    ...Object.fromEntries(PROVIDER_IDS.map((id) => [`PROVIDER_${id.toUpperCase()}_BASE_URL`, mock.baseUrls[id]])),
    ...options.env,
  });
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(String(chunk));
      callback();
    },
  });
  const runtime = await openRuntime(config, createLogger({ level: 'info', name: 'fault-stack', destination }));
  const app = await buildApi(runtime);
  const proxy = await startProxyServices(runtime);
  await app.register(proxyPlugin, { services: proxy });
  const lockDurationMs = options.lockDurationMs ?? 3000;
  const stalledIntervalMs = Math.min(1000, lockDurationMs);
  const worker = await startWorker(runtime, { lockDurationMs, stalledIntervalMs });
  const usage = await startUsageConsumer(runtime, { batchWaitMs: 5, pruneEveryMs: 0, lockDurationMs, stalledIntervalMs });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    config,
    runtime,
    db,
    mock,
    proxy,
    worker,
    usage,
    redisPrefix,
    logs,
    token: (userId) =>
      mintDevToken({ secret: TEST_JWT_SECRET, issuer: config.auth.issuer, audience: 'byok-gateway', userId, admin: false, userIdClaim: config.auth.userIdClaim, ttlSeconds: 3600 }),
    async close() {
      await app.close();
      await proxy.close(1000);
      await worker.close();
      await usage.close();
      await runtime.close();
      await deleteRedisPrefix(redisPrefix);
      await db.drop();
      await mock.close();
    },
  };
}

/** Polls until `check` returns something other than undefined/false, or throws after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
