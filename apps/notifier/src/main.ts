/**
 * Entry point of a notifier process:
 * `npx tsx --conditions=@byok/source apps/notifier/src/main.ts`, or with OpenTelemetry
 * `node --import tsx --conditions=@byok/source --import ./libs/telemetry/src/instrument.ts apps/notifier/src/main.ts`.
 * Opens the shared runtime and starts the notifier. On SIGTERM/SIGINT it stops draining and taking
 * jobs and waits up to the grace period for the deliveries in hand. A job cut off (or a process
 * killed) is re-run by another notifier once its lock lapses; every channel delivers once per event.
 */
import { loadConfig } from '@byok/config';
import { type HealthServer, openRuntime, type Runtime, startHealthServer } from '@byok/runtime';
import { createLogger, shutdownTelemetry, type Logger } from '@byok/telemetry';
import { type NotifierHandle, startNotifier } from './start-notifier.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'notifier' });
  // The notifier never decrypts a key, so the encryption keys' coverage is not its business.
  const runtime = await openRuntime(config, logger, { storedKeysCheck: 'off' });
  const notifier = await startNotifier(runtime);
  // HEALTH_PORT > 0: /healthz and /readyz for compose and Kubernetes probes (see README).
  const health = config.healthPort > 0 ? await startHealthServer({ host: config.host, port: config.healthPort, readiness: notifier.readiness }) : undefined;
  if (health) logger.info({ port: health.port }, 'health server listening');
  onShutdownSignal(logger, config.shutdownGraceMs, notifier, runtime, health);
}

function onShutdownSignal(logger: Logger, graceMs: number, notifier: NotifierHandle, runtime: Runtime, health: HealthServer | undefined): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, graceMs }, 'shutting down: finishing the deliveries in hand');
    const timer = setTimeout(() => {
      logger.warn({ graceMs }, 'grace period over; exiting with deliveries in hand (another notifier re-runs them)');
      process.exit(1);
    }, graceMs);
    timer.unref();
    notifier
      .close()
      .then(() => health?.close())
      .then(() => runtime.close())
      .then(() => shutdownTelemetry())
      .then(() => {
        logger.info('notifier stopped');
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ error: { message: error instanceof Error ? error.message : String(error) } }, 'error while shutting down');
        process.exit(1);
      });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  // Config errors name the variable and never echo a value; other boot errors are infrastructure.
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  process.stderr.write(`notifier failed to start: ${message}\n`);
  process.exit(1);
});
