/**
 * Entry point of a worker process:
 * `node --import tsx --conditions=@byok/source --import ./libs/telemetry/src/instrument.ts apps/worker/src/main.ts`
 * (the telemetry bootstrap is optional and stays off without OTEL_EXPORTER_OTLP_ENDPOINT).
 * Opens the shared runtime, starts the key-test and maintenance workers, asks for one hint backfill
 * (deduplicated across instances), and on SIGTERM/SIGINT stops taking jobs and waits up to the
 * grace period for running ones (see `runService`). A job cut off by the grace period (or by a
 * crash) is taken over by another worker's stalled check and re-run; the processor is idempotent
 * per job.
 */
import { loadConfig } from '@byok/config';
import { openRuntime, type Runtime, runService, startHealthServer } from '@byok/runtime';
import { createLogger } from '@byok/telemetry';
import { startWorker } from './start-worker.js';

await runService({
  name: 'worker',
  async start() {
    const config = loadConfig();
    const logger = createLogger({ level: config.logLevel, name: 'worker' });
    const runtime = await openRuntime(config, logger);
    const worker = await startWorker(runtime);
    // HEALTH_PORT > 0: /healthz and /readyz for compose and Kubernetes probes (see README).
    const health = config.healthPort > 0 ? await startHealthServer({ host: config.host, port: config.healthPort, readiness: worker.readiness }) : undefined;
    if (health) logger.info({ port: health.port }, 'health server listening');
    await requestHintBackfill(runtime);
    return {
      logger,
      graceMs: config.shutdownGraceMs,
      stopping: 'finishing running jobs',
      unfinished: 'jobs still running (they will be re-run elsewhere)',
      async stop() {
        await worker.close();
        await health?.close();
        await runtime.close();
      },
    };
  },
});

/** One backfill per boot wave: instances starting together share one job through deduplication. */
async function requestHintBackfill(runtime: Runtime): Promise<void> {
  try {
    await runtime.producers.maintenance.enqueue({ task: 'backfill-key-hints', requestedBy: 'system' }, { deduplication: { id: 'backfill-key-hints' } });
  } catch (error) {
    runtime.logger.warn({ error: { message: error instanceof Error ? error.message : String(error) } }, 'could not request the key hint backfill; the next boot will');
  }
}
