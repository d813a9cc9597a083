/**
 * A standalone HTTP worker, forked by `main.ts` (PROXY_WORKERS / API_WORKERS of them share the
 * port): the API with the web page and the proxy, as two Fastify instances behind one server (see
 * `one-port-server.ts`). The database is migrated and the secrets exist before the primary forks
 * this; key tests and usage events are worked off in the background process, so this event loop
 * carries requests only. Signals and shutdown: see `runService`.
 */
import { buildApi } from '@byok/api';
import { buildProxy, CHAT_COMPLETIONS_PATHS, MODELS_PATHS, servingProxy, startProxyServices } from '@byok/proxy';
import { openRuntime, runService } from '@byok/runtime';
import { listenOnePort } from './one-port-server.js';
import { loadStandaloneConfig } from './standalone-config.js';
import { createStandaloneLogger } from './standalone-logger.js';

await runService({
  name: 'standalone http',
  async start() {
    const { config } = loadStandaloneConfig(process.env);
    const logger = await createStandaloneLogger(config.logLevel);
    const runtime = await openRuntime(config, logger);
    const services = await startProxyServices(runtime);
    const api = await buildApi(runtime);
    const proxy = await buildProxy(runtime, { services });
    const server = await listenOnePort({ api, proxy, proxyPaths: [...CHAT_COMPLETIONS_PATHS, ...MODELS_PATHS], host: config.host, port: config.port });
    return servingProxy({ runtime, services, graceMs: config.shutdownGraceMs, closeServer: () => server.close() });
  },
});
