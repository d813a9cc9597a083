import type { RunningWorker } from '@byok/queues';
import { type PeriodicTask, probeDependencies, type Readiness, readinessOf, type Runtime, startPeriodicTask } from '@byok/runtime';
import { createGatewayMetrics, observeQueueDepth, queueTelemetry } from '@byok/telemetry';
import { createKeyChangeAnnouncer, createKeyReplacedAnnouncer } from './key-test/key-change-announcer.js';
import { createKeyTestProcessor } from './key-test/key-test.processor.js';
import { createKeyTestWorker } from './key-test/key-test.worker.js';
import { backfillKeyHints } from './maintenance/backfill-key-hints.task.js';
import { finishStuckTests } from './maintenance/finish-stuck-tests.task.js';
import { createMaintenanceProcessor } from './maintenance/maintenance.processor.js';
import { createMaintenanceWorker } from './maintenance/maintenance.worker.js';
import { recordKeyBindings } from './maintenance/record-key-bindings.task.js';
import { revalidateKeys } from './maintenance/revalidate-keys.task.js';
import { syncRevalidationSchedule } from './maintenance/revalidation-schedule.js';
import { rotateEncryption } from './maintenance/rotate-encryption.task.js';
import { resolveWorkerSettings, type StartWorkerOptions } from './worker-options.js';

/** A started worker. */
export interface WorkerHandle {
  /**
   * Stops taking jobs, waits for the running ones to finish, and closes the worker's own Redis
   * connections. The runtime (database, producers) stays open: its owner closes it.
   */
  close(): Promise<void>;
  /**
   * What the worker can do now: `down` without Redis or with a worker stopped (no job can be
   * taken), `degraded` without Postgres (jobs wait, spending no attempt), else `ok`.
   */
  readiness(): Promise<Readiness>;
}

/**
 * Starts the key-test worker and the maintenance worker on a shared runtime, and makes the
 * re-validation schedule match `config.keyRevalidateIntervalMs`. Resolves once both workers are
 * connected; rejects (after closing what it opened) when the schedule cannot be written.
 *
 * Two timers then keep what faults can take away: the schedule is re-asserted every
 * `SCHEDULE_REASSERT_INTERVAL_MS` (a Redis that lost its data has no schedulers; the upsert keeps
 * an existing one's slot), and keys left `testing` longer than `KEY_TEST_STUCK_AFTER_MS` are
 * finished and tested again every `KEY_TEST_SWEEP_INTERVAL_MS` (see `finishStuckTests`). Every
 * instance runs both; both are idempotent.
 */
export async function startWorker(runtime: Runtime, options: StartWorkerOptions = {}): Promise<WorkerHandle> {
  const { config, logger, orm, keyring, producers, redis } = runtime;
  const settings = resolveWorkerSettings(config.worker, options);
  const batchSize = settings.maintenanceBatchSize;
  const metrics = options.metrics ?? createGatewayMetrics();
  // One telemetry object serves both workers: it holds a tracer, no per-queue state.
  const telemetry = queueTelemetry();
  const announceKeyChange = createKeyChangeAnnouncer({ redis, redisPrefix: config.redisPrefix, logger });
  const announceKeyReplaced = createKeyReplacedAnnouncer({ redis, redisPrefix: config.redisPrefix, logger });
  const running: RunningWorker[] = [
    createKeyTestWorker({ config, logger, settings, metrics, telemetry, processor: createKeyTestProcessor({ orm, keyring, config, logger, metrics, announceKeyChange, announceKeyReplaced }) }),
    createMaintenanceWorker({
      config,
      logger,
      settings,
      metrics,
      telemetry,
      processor: createMaintenanceProcessor({
        'revalidate-keys': (job) =>
          revalidateKeys({ orm, keyTests: producers.keyTests, logger, spreadMs: config.keyRevalidateIntervalMs, runId: `maintenance:${job.id}`, ...(batchSize ? { batchSize } : {}) }),
        // Rows of the earlier system also lack binding tags and fingerprints; record those on the same
        // pass. The job's result stays the hint counts; the binding counts are logged and audited.
        'backfill-key-hints': async () => {
          const hints = await backfillKeyHints({ orm, keyring, logger, ...(batchSize ? { batchSize } : {}) });
          await recordKeyBindings({ orm, keyring, logger, ...(batchSize ? { batchSize } : {}) });
          return hints;
        },
        'rotate-encryption': (job) => rotateEncryption({ orm, keyring, logger, requestedBy: job.data.requestedBy, jobId: job.id, ...(batchSize ? { batchSize } : {}) }),
      }),
    }),
  ];
  // The worker reports the depth of every queue (read from Redis when metrics are collected).
  const stopObservingQueues = observeQueueDepth([producers.keyTests.queue, producers.usageEvents.queue, producers.maintenance.queue]);
  const keepers: PeriodicTask[] = [];
  const close = async (): Promise<void> => {
    stopObservingQueues();
    await Promise.all(keepers.map((k) => k.stop()));
    await Promise.all(running.map((r) => r.close()));
  };
  try {
    await Promise.all(running.map((r) => r.worker.waitUntilReady()));
    const schedule = await syncRevalidationSchedule(producers.maintenance.queue, config.keyRevalidateIntervalMs);
    keepers.push(
      startPeriodicTask({
        name: 'revalidation schedule',
        everyMs: config.scheduleReassertIntervalMs,
        run: () => syncRevalidationSchedule(producers.maintenance.queue, config.keyRevalidateIntervalMs),
        logger,
      }),
      startPeriodicTask({
        name: 'stuck key tests',
        everyMs: config.keyTestStuckAfterMs > 0 ? config.keyTestSweepIntervalMs : 0,
        run: () => finishStuckTests({ orm, keyTests: producers.keyTests, logger, stuckAfterMs: config.keyTestStuckAfterMs }),
        logger,
      }),
    );
    logger.info({ concurrency: config.workerConcurrency, revalidation: schedule, revalidateIntervalMs: config.keyRevalidateIntervalMs }, 'worker started');
  } catch (error) {
    await close();
    throw error;
  }
  const readiness = async (): Promise<Readiness> => {
    const dependencies = await probeDependencies({ orm, redis });
    const workers = running.every((r) => r.worker.isRunning()) ? 'ok' : 'down';
    return readinessOf({ ...dependencies, workers }, ['redis', 'workers']);
  };
  return { close, readiness };
}
