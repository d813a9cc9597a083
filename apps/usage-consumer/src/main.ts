/**
 * Entry point of a usage-consumer process:
 * `npx tsx --conditions=@byok/source apps/usage-consumer/src/main.ts`, or with OpenTelemetry
 * `node --import tsx --conditions=@byok/source --import ./libs/telemetry/src/instrument.ts apps/usage-consumer/src/main.ts`.
 * Opens the shared runtime and starts the consumer. On SIGTERM/SIGINT it stops taking jobs and
 * waits up to the grace period for the batches in hand to commit. A job cut off by the grace
 * period (or by a crash) is taken over by another consumer once its lock expires; re-running it
 * is harmless because events are stored once per request id.
 */
import { loadConfig } from '@byok/config';
import { type HealthServer, openRuntime, type Runtime, startHealthServer } from '@byok/runtime';
import { createLogger, shutdownTelemetry, type Logger } from '@byok/telemetry';
import { startUsageConsumer, type UsageConsumerHandle } from './start-usage-consumer.js';
import { usageConsumerOptionsFrom } from './usage-consumer-config.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'usage-consumer' });
  const runtime = await openRuntime(config, logger);
  const consumer = await startUsageConsumer(runtime, usageConsumerOptionsFrom(config));
  // HEALTH_PORT > 0: /healthz and /readyz for compose and Kubernetes probes (see README).
  const health = config.healthPort > 0 ? await startHealthServer({ host: config.host, port: config.healthPort, readiness: consumer.readiness }) : undefined;
  if (health) logger.info({ port: health.port }, 'health server listening');
  onShutdownSignal(logger, config.shutdownGraceMs, consumer, runtime, health);
}

/**
 * Wrappers (npx, tsx) relay a signal the process also receives directly, and a terminal's Ctrl+C
 * reaches the whole process group: copies that close together are one request to stop. Only a
 * signal after this long means "stop now".
 */
const REPEATED_SIGNAL_MS = 1000;

function onShutdownSignal(logger: Logger, graceMs: number, consumer: UsageConsumerHandle, runtime: Runtime, health: HealthServer | undefined): void {
  let stoppingSince: number | undefined;
  const stop = (signal: NodeJS.Signals): void => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < REPEATED_SIGNAL_MS) return;
      logger.warn({ signal }, 'second signal; exiting now');
      process.exit(1);
    }
    stoppingSince = Date.now();
    logger.info({ signal, graceMs }, 'shutting down: committing the batches in hand');
    const timer = setTimeout(() => {
      logger.warn({ graceMs }, 'grace period over; exiting with jobs in hand (another consumer re-runs them)');
      process.exit(1);
    }, graceMs);
    timer.unref();
    consumer
      .close()
      .then(() => health?.close())
      .then(() => runtime.close())
      .then(() => {
        logger.info('usage consumer stopped');
        return shutdownTelemetry();
      })
      .then(() => process.exit(0))
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
  process.stderr.write(`usage consumer failed to start: ${message}\n`);
  process.exit(1);
});
