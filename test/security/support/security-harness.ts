import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { buildApi } from '@byok/api';
import { PROVIDER_IDS } from '@byok/providers';
import { proxyPlugin, startProxyServices, type ProxyServices } from '@byok/proxy';
import { openRuntime, type Runtime } from '@byok/runtime';
import { createLogger } from '@byok/telemetry';
import { startWorker, type WorkerHandle } from '@byok/worker';
import { chatRoutes } from '@byok/mock-providers/chat';
import { startMockProviders, type MockProviders, type MockRoute } from '@byok/mock-providers';
import { startApiHarness, type ApiHarness } from '../../support/api-harness.js';
import { listOperations, parseOpenApiDocument, type OpenApiDocument, type Operation } from '../../support/openapi-operations.js';

export type SecurityApp = Awaited<ReturnType<typeof buildApi>>;

/**
 * Everything the security suites attack at once: the API with the proxy's routes mounted in it
 * (standalone mode's single instance, so one route table holds every endpoint), the mock
 * providers behind every provider's base URL, and optionally a worker whose logs are captured.
 */
export interface SecurityHarness {
  api: ApiHarness;
  /** The API with the proxy mounted; not listening unless a test calls `listen`. */
  app: SecurityApp;
  mock: MockProviders;
  services: ProxyServices;
  /** The OpenAPI document the app serves, and its operations. */
  doc: OpenApiDocument;
  operations: Operation[];
  /** Log lines of the worker started by `startWorker` (the API's and proxy's are in `api.logs`). */
  workerLogs: string[];
  startWorker(): Promise<void>;
  /** `{ authorization: 'Bearer <jwt>' }` for a user. */
  bearer(userId: string, options?: { admin?: boolean }): Promise<Record<string, string>>;
  close(): Promise<void>;
}

export interface SecurityHarnessOptions {
  /** Extra environment; a function gets the running mock (e.g. to point a base URL at one of its routes). */
  env?: Record<string, string> | ((mock: MockProviders) => Record<string, string>);
  /** Mock routes tried before the chat routes and built-in ones. */
  extraRoutes?: readonly MockRoute[];
  slowDelayMs?: number;
}

export async function startSecurityHarness(label: string, options: SecurityHarnessOptions = {}): Promise<SecurityHarness> {
  const mock = await startMockProviders({
    extraRoutes: [...(options.extraRoutes ?? []), ...chatRoutes],
    ...(options.slowDelayMs !== undefined ? { slowDelayMs: options.slowDelayMs } : {}),
  });
  const baseUrls = Object.fromEntries(PROVIDER_IDS.map((id) => [`PROVIDER_${id.toUpperCase()}_BASE_URL`, mock.baseUrls[id]]));
  const extraEnv = typeof options.env === 'function' ? options.env(mock) : options.env;
  const webDist = await writeWebDistFixture();
  const api = await startApiHarness(label, {
    env: { LOG_LEVEL: 'debug', KEY_TEST_RATE_LIMIT_PER_MINUTE: '1000', WEB_DIST_DIR: webDist, ...baseUrls, ...extraEnv },
  });
  const app = await buildApi(api.runtime);
  const services = await startProxyServices(api.runtime, { settings: {} });
  await app.register(proxyPlugin, { services });
  app.addHook('onClose', () => services.close(1000));
  await app.ready();
  const doc = parseOpenApiDocument((await app.inject({ method: 'GET', url: '/docs/json' })).json());

  const workerLogs: string[] = [];
  let worker: { handle: WorkerHandle; runtime: Runtime } | undefined;

  return {
    api,
    app,
    mock,
    services,
    doc,
    operations: listOperations(doc),
    workerLogs,
    async startWorker() {
      if (worker) return;
      const destination = new Writable({
        write(chunk, _encoding, callback) {
          workerLogs.push(String(chunk));
          callback();
        },
      });
      const runtime = await openRuntime(api.config, createLogger({ level: 'trace', name: 'worker-security', destination }));
      if (runtime.redis.status !== 'ready') await new Promise((resolve) => runtime.redis.once('ready', resolve));
      worker = { handle: await startWorker(runtime), runtime };
    },
    bearer: async (userId, tokenOptions = {}) => ({ authorization: `Bearer ${await api.token(userId, tokenOptions)}` }),
    async close() {
      if (worker) {
        await worker.handle.close();
        await worker.runtime.close();
      }
      await app.close();
      await api.close();
      await mock.close();
      await rm(webDist, { recursive: true, force: true });
    },
  };
}

/**
 * A built page of two files, so the static-file routes are attacked the same way whether or not
 * this checkout has run `vite build` (a clean clone has no apps/web/dist).
 */
async function writeWebDistFixture(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'byok-security-dist-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><div id="root"></div><script type="module" src="/assets/index-fixture.js"></script>');
  await writeFile(join(dir, 'assets', 'index-fixture.js'), 'export {};');
  return dir;
}
