import { loadConfig, type Config } from '@byok/config';
import { buildApi } from '@byok/api';
import { PROVIDER_IDS } from '@byok/providers';
import { proxyPlugin, startProxyServices } from '@byok/proxy';
import { openRuntime, type Runtime } from '@byok/runtime';
import { createLogger } from '@byok/telemetry';
import { startUsageConsumer } from '@byok/usage-consumer';
import { startWorker } from '@byok/worker';
import { chatRoutes } from '@byok/mock-providers/chat';
import { startMockProviders, type MockProviders } from '@byok/mock-providers';
import { TEST_ENCRYPTION_KEY, TEST_JWT_SECRET } from '../../support/api-harness.js';
import { deleteRedisPrefix } from '../../support/redis-cleanup.js';
import { testServiceUrls, uniqueTestName } from '../../support/services.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';

export interface E2eStack {
  /** Origin of the API, page and proxy, e.g. http://127.0.0.1:41234. */
  url: string;
  config: Config;
  runtime: Runtime;
  db: TestDatabase;
  mock: MockProviders;
  close(): Promise<void>;
}

export interface E2eStackOptions {
  /** The built page to serve (WEB_DIST_DIR). */
  webDistDir: string;
  /** Delay of the mock's `slow` key scenario. */
  slowDelayMs?: number;
}

/**
 * What `npm start` runs, in this process, on a database and Redis prefix of its own: the API with
 * the page and the proxy on one port, the key-test worker and the usage consumer, with every
 * provider pointed at the mock. The JWT secret is handed over as a *generated* secret, so the
 * API runs in dev sign-in mode exactly as standalone does.
 */
export async function startE2eStack(label: string, options: E2eStackOptions): Promise<E2eStack> {
  const mock = await startMockProviders({ slowDelayMs: options.slowDelayMs ?? 1500, extraRoutes: chatRoutes });
  const db = await createTestDatabase(label);
  const redisPrefix = uniqueTestName(label);
  const config = loadConfig(
    {
      DATABASE_URL: db.url,
      REDIS_URL: testServiceUrls().redisUrl,
      REDIS_PREFIX: redisPrefix,
      WEB_DIST_DIR: options.webDistDir,
      BYOK_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY,
      LOG_LEVEL: 'warn',
      ...Object.fromEntries(PROVIDER_IDS.map((id) => [`PROVIDER_${id.toUpperCase()}_BASE_URL`, mock.baseUrls[id]])),
    },
    {
      resolveGeneratedSecret: (name) => {
        if (name === 'jwt-secret') return TEST_JWT_SECRET;
        throw new Error(`unexpected generated secret ${name}`);
      },
    },
  );
  const logger = createLogger({ level: process.env.E2E_LOG_LEVEL === 'debug' ? 'debug' : 'warn', name: 'e2e' });
  const runtime = await openRuntime(config, logger);
  const app = await buildApi(runtime);
  // Mounted as standalone mounts it: the page's origin + /v1 is the OpenAI-compatible endpoint.
  // A revoked token reaches the proxy through its token cache's expiry (the API does not announce
  // revocations yet); a short TTL keeps the revoke step quick.
  const proxy = await startProxyServices(runtime, { settings: { tokenCacheTtlMs: 1000 } });
  await app.register(proxyPlugin, { services: proxy });
  const worker = await startWorker(runtime);
  const usage = await startUsageConsumer(runtime, { batchWaitMs: 5, pruneEveryMs: 0 });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });

  return {
    url,
    config,
    runtime,
    db,
    mock,
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
