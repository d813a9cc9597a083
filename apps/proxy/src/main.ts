/**
 * Entry point of a proxy process:
 * `node --import tsx --conditions=@byok/source --import ./libs/telemetry/src/instrument.ts apps/proxy/src/main.ts`
 * (the telemetry bootstrap starts the OpenTelemetry SDK when an OTLP endpoint is configured).
 * Listens on PROXY_PORT. On SIGTERM/SIGINT it stops accepting connections, lets in-flight requests
 * (streams included) finish, flushes the usage events still in memory, and exits — or exits with
 * status 1 when SHUTDOWN_GRACE_MS runs out first.
 */
import { loadConfig } from '@byok/config';
import { openRuntime } from '@byok/runtime';
import { createLogger, shutdownTelemetry } from '@byok/telemetry';
import { buildProxy } from './build-proxy.js';
import { startProxyServices } from './services/proxy-services.js';

/** Share of the grace period kept for the usage flush after the last request ended. */
const FLUSH_SHARE = 0.2;
const IDLE_SWEEP_MS = 100;

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'proxy' });
  const runtime = await openRuntime(config, logger);
  const services = await startProxyServices(runtime);
  const app = await buildProxy(runtime, { services });
  await app.listen({ host: config.host, port: config.proxyPort });

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal; exiting now');
      process.exit(1);
    }
    stopping = true;
    const graceMs = config.shutdownGraceMs;
    logger.info({ signal, graceMs }, 'shutting down: finishing in-flight requests');
    const timer = setTimeout(() => {
      logger.error({ graceMs, bufferedUsageEvents: services.usage.buffered }, 'grace period over; exiting with requests or usage events unfinished');
      process.exit(1);
    }, graceMs);
    timer.unref();
    const started = Date.now();
    // server.close() drops the connections idle at that moment only; a keep-alive connection
    // whose stream ends later would hold the process until its keep-alive timeout.
    const sweep = setInterval(() => app.server.closeIdleConnections(), IDLE_SWEEP_MS);
    sweep.unref();
    app
      .close()
      .then(() => services.close(Math.max(graceMs * FLUSH_SHARE, graceMs - (Date.now() - started) - 500)))
      .then(() => runtime.close())
      .then(async () => {
        logger.info('proxy stopped');
        // The spans of the last requests go out before the process does.
        await shutdownTelemetry();
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'error while shutting down');
        process.exit(1);
      });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`proxy failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
