/**
 * Entry point of a worker process:
 * `node --import tsx --conditions=@byok/source --import ./libs/telemetry/src/instrument.ts apps/worker/src/main.ts`
 * (the telemetry bootstrap is optional and stays off without OTEL_EXPORTER_OTLP_ENDPOINT).
 * Opens the shared runtime, starts the key-test and maintenance workers, asks for one hint backfill
 * (deduplicated across instances), and on SIGTERM/SIGINT stops taking jobs and waits up to the
 * grace period for running ones. A job cut off by the grace period (or by a crash) is taken over by
 * another worker's stalled check and re-run; the processor is idempotent per job.
 */
import { loadConfig } from '@byok/config';
import { type HealthServer, openRuntime, type Runtime, startHealthServer } from '@byok/runtime';
import { createLogger, shutdownTelemetry, type Logger } from '@byok/telemetry';
import { startWorker, type WorkerHandle } from './start-worker.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'worker' });
  const runtime = await openRuntime(config, logger);
  const worker = await startWorker(runtime, { lockDurationMs: config.workerLockDurationMs, stalledIntervalMs: config.workerStalledIntervalMs });
  // HEALTH_PORT > 0: /healthz and /readyz for compose and Kubernetes probes (see README).
  const health = config.healthPort > 0 ? await startHealthServer({ host: config.host, port: config.healthPort, readiness: worker.readiness }) : undefined;
  if (health) logger.info({ port: health.port }, 'health server listening');
  onShutdownSignal(logger, config.shutdownGraceMs, worker, runtime, health);
  await requestHintBackfill(runtime);
}

/** One backfill per boot wave: instances starting together share one job through deduplication. */
async function requestHintBackfill(runtime: Runtime): Promise<void> {
  try {
    await runtime.producers.maintenance.enqueue({ task: 'backfill-key-hints', requestedBy: 'system' }, { deduplication: { id: 'backfill-key-hints' } });
  } catch (error) {
    runtime.logger.warn({ error: { message: error instanceof Error ? error.message : String(error) } }, 'could not request the key hint backfill; the next boot will');
  }
}

function onShutdownSignal(logger: Logger, graceMs: number, worker: WorkerHandle, runtime: Runtime, health: HealthServer | undefined): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal; exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, graceMs }, 'shutting down: finishing running jobs');
    const timer = setTimeout(() => {
      logger.warn({ graceMs }, 'grace period over; exiting with jobs still running (they will be re-run elsewhere)');
      process.exit(1);
    }, graceMs);
    timer.unref();
    worker
      .close()
      .then(() => health?.close())
      .then(() => runtime.close())
      // Last: the spans of the final jobs are exported before the process goes (a no-op without an SDK).
      .then(() => shutdownTelemetry())
      .then(() => {
        logger.info('worker stopped');
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
  process.stderr.write(`worker failed to start: ${message}\n`);
  process.exit(1);
});
