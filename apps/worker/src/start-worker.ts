import type { Runtime } from '@byok/runtime';
import { createKeyTestProcessor } from './key-test/key-test.processor.js';
import { createKeyTestWorker } from './key-test/key-test.worker.js';
import { backfillKeyHints } from './maintenance/backfill-key-hints.task.js';
import { createMaintenanceProcessor } from './maintenance/maintenance.processor.js';
import { createMaintenanceWorker } from './maintenance/maintenance.worker.js';
import { revalidateKeys } from './maintenance/revalidate-keys.task.js';
import { syncRevalidationSchedule } from './maintenance/revalidation-schedule.js';
import type { RunningWorker } from './running-worker.js';
import { resolveWorkerSettings, type StartWorkerOptions } from './worker-options.js';

/** A started worker. */
export interface WorkerHandle {
  /**
   * Stops taking jobs, waits for the running ones to finish, and closes the worker's own Redis
   * connections. The runtime (database, producers) stays open: its owner closes it.
   */
  close(): Promise<void>;
}

/**
 * Starts the key-test worker and the maintenance worker on a shared runtime, and makes the
 * re-validation schedule match `config.keyRevalidateIntervalMs`. Resolves once both workers are
 * connected; rejects (after closing what it opened) when the schedule cannot be written.
 */
export async function startWorker(runtime: Runtime, options: StartWorkerOptions = {}): Promise<WorkerHandle> {
  const { config, logger, orm, keyring, producers } = runtime;
  const settings = resolveWorkerSettings(options);
  const batchSize = settings.maintenanceBatchSize;
  const running: RunningWorker[] = [
    createKeyTestWorker({ config, logger, settings, processor: createKeyTestProcessor({ orm, keyring, config, logger }) }),
    createMaintenanceWorker({
      config,
      logger,
      settings,
      processor: createMaintenanceProcessor({
        'revalidate-keys': (job) =>
          revalidateKeys({ orm, keyTests: producers.keyTests, logger, spreadMs: config.keyRevalidateIntervalMs, runId: `maintenance:${job.id}`, ...(batchSize ? { batchSize } : {}) }),
        'backfill-key-hints': () => backfillKeyHints({ orm, keyring, logger, ...(batchSize ? { batchSize } : {}) }),
      }),
    }),
  ];
  const close = async (): Promise<void> => {
    await Promise.all(running.map((r) => r.close()));
  };
  try {
    await Promise.all(running.map((r) => r.worker.waitUntilReady()));
    const schedule = await syncRevalidationSchedule(producers.maintenance.queue, config.keyRevalidateIntervalMs);
    logger.info({ concurrency: config.workerConcurrency, revalidation: schedule, revalidateIntervalMs: config.keyRevalidateIntervalMs }, 'worker started');
  } catch (error) {
    await close();
    throw error;
  }
  return { close };
}
