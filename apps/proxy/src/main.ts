/**
 * Entry point of a proxy process:
 * `node --import tsx --conditions=@byok/source --import ./libs/telemetry/src/instrument.ts apps/proxy/src/main.ts`
 * (the telemetry bootstrap starts the OpenTelemetry SDK when an OTLP endpoint is configured).
 * Listens on PROXY_PORT. On SIGTERM/SIGINT it stops accepting connections, lets in-flight requests
 * (streams included) finish, flushes the usage events still in memory, and exits — or exits with
 * status 1 when SHUTDOWN_GRACE_MS runs out first (see `runService`).
 *
 * With PROXY_WORKERS above 1 (the default is one per core) this process becomes the primary of
 * that many copies of itself (`node:cluster`), which share the port; it serves nothing itself and
 * forwards the signal to every worker. Everything the copies share lives in Redis and Postgres.
 */
import { loadConfig } from '@byok/config';
import { closeServerGracefully } from '@byok/http';
import { isSupervisingPrimary, openRuntime, runService, superviseWorkerProcesses } from '@byok/runtime';
import { createLogger } from '@byok/telemetry';
import { buildProxy } from './build-proxy.js';
import { startProxyServices } from './services/proxy-services.js';
import { servingProxy } from './services/serving-proxy.js';

await runService({
  name: 'proxy',
  async start() {
    const config = loadConfig();
    const logger = createLogger({ level: config.logLevel, name: 'proxy' });
    if (isSupervisingPrimary(config.workers.proxy)) {
      return superviseWorkerProcesses({ groups: [{ role: 'proxy', count: config.workers.proxy }], logger, graceMs: config.shutdownGraceMs });
    }
    const runtime = await openRuntime(config, logger);
    const services = await startProxyServices(runtime);
    const app = await buildProxy(runtime, { services });
    await app.listen({ host: config.host, port: config.proxyPort });
    return servingProxy({ runtime, services, graceMs: config.shutdownGraceMs, closeServer: () => closeServerGracefully(app) });
  },
});
