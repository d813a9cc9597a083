import { probeDependencies, type Readiness, readinessOf, type Runtime, startPeriodicTask } from '@byok/runtime';
import { createGatewayMetrics, queueTelemetry } from '@byok/telemetry';
import { startBudgetReconcileTask } from './budgets/budget-reconcile.task.js';
import { createUsageEventsWorker } from './events/usage-events.worker.js';
import { createPruneProcessor } from './prune/prune-usage-events.task.js';
import { createPruneWorker } from './prune/prune.worker.js';
import { createUsageMaintenanceQueue, syncPruneSchedule } from './prune/usage-maintenance.queue.js';
import type { RunningWorker } from '@byok/queues';
import { resolveUsageConsumerSettings, type StartUsageConsumerOptions } from './usage-consumer-options.js';

/** A started usage consumer. */
export interface UsageConsumerHandle {
  /**
   * Stops taking jobs, lets the batches in hand commit (so their jobs complete), and closes the
   * consumer's own Redis connections. The runtime (database, producers) stays open: its owner
   * closes it.
   */
  close(): Promise<void>;
  /**
   * What the consumer can do now: `down` without Redis or with a worker stopped (no event can be
   * taken), `degraded` without Postgres (events wait in the queue, nothing is lost), else `ok`.
   */
  readiness(): Promise<Readiness>;
}

/**
 * Starts the usage-events worker (batched, exactly-once aggregation and credit settlement) and
 * the prune worker on a shared runtime, and makes the daily prune schedule match the options.
 * Resolves once both workers are connected; rejects (after closing what it opened) when Redis
 * cannot be reached or the schedule cannot be written.
 */
export async function startUsageConsumer(runtime: Runtime, options: StartUsageConsumerOptions = {}): Promise<UsageConsumerHandle> {
  const { config, logger, orm } = runtime;
  const settings = resolveUsageConsumerSettings(config.usageConsumer, options);
  const metrics = options.metrics ?? createGatewayMetrics();
  // One telemetry object serves both workers: it holds a tracer, no per-queue state.
  const telemetry = queueTelemetry();
  const maintenanceQueue = createUsageMaintenanceQueue(runtime.redis, config.redisPrefix);
  const running: RunningWorker[] = [
    createUsageEventsWorker({ config, orm, logger, settings, metrics, telemetry, redis: runtime.redis }),
    createPruneWorker({
      config,
      logger,
      settings,
      metrics,
      telemetry,
      processor: createPruneProcessor({ orm, retentionDays: settings.retentionDays, batchSize: settings.pruneBatchSize }),
    }),
  ];
  // A Redis that lost its data has no job schedulers: re-assert the prune schedule periodically,
  // not only at boot (the upsert keeps an existing scheduler's slot).
  let keeper: { stop(): Promise<void> } | undefined;
  let reconciler: { stop(): Promise<void> } | undefined;
  const close = async (): Promise<void> => {
    await keeper?.stop();
    await reconciler?.stop();
    await Promise.all(running.map((r) => r.close()));
    await maintenanceQueue.close();
  };
  try {
    await Promise.all(running.map((r) => r.worker.waitUntilReady()));
    await maintenanceQueue.waitUntilReady();
    const prune = await syncPruneSchedule(maintenanceQueue, settings.pruneEveryMs);
    keeper = startPeriodicTask({ name: 'prune schedule', everyMs: config.scheduleReassertIntervalMs, run: () => syncPruneSchedule(maintenanceQueue, settings.pruneEveryMs), logger });
    reconciler = startBudgetReconcileTask(runtime, settings.budgetReconcileIntervalMs);
    logger.info(
      { batchSize: settings.batchSize, batchWaitMs: settings.batchWaitMs, concurrentBatches: settings.concurrentBatches, concurrency: settings.concurrency, prune, retentionDays: settings.retentionDays },
      'usage consumer started',
    );
  } catch (error) {
    await close();
    throw error;
  }
  const readiness = async (): Promise<Readiness> => {
    const dependencies = await probeDependencies({ orm, redis: runtime.redis });
    const workers = running.every((r) => r.worker.isRunning()) ? 'ok' : 'down';
    return readinessOf({ ...dependencies, workers }, ['redis', 'workers']);
  };
  return { close, readiness };
}
