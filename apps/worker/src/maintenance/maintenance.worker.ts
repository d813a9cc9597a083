import type { Config } from '@byok/config';
import { createBlockingConnection, QUEUES } from '@byok/queues';
import type { GatewayMetrics, Logger } from '@byok/telemetry';
import { Worker, type WorkerOptions } from 'bullmq';
import type { RunningWorker } from '../running-worker.js';
import { recordWorkerMetrics } from '../worker-metrics.js';
import type { WorkerSettings } from '../worker-options.js';
import type { createMaintenanceProcessor } from './maintenance.processor.js';

/** What the maintenance BullMQ worker needs from outside. */
export interface MaintenanceWorkerDependencies {
  config: Pick<Config, 'redisUrl' | 'redisPrefix'>;
  logger: Logger;
  processor: ReturnType<typeof createMaintenanceProcessor>;
  settings: WorkerSettings;
  metrics: GatewayMetrics;
  /** `queueTelemetry()`; undefined when tracing is off. */
  telemetry: WorkerOptions['telemetry'];
}

/**
 * The BullMQ worker of the maintenance queue. One task at a time per process: the tasks walk whole
 * tables, and running two at once would only compete for the same rows.
 */
export function createMaintenanceWorker(deps: MaintenanceWorkerDependencies): RunningWorker {
  const { config, logger, settings } = deps;
  const connection = createBlockingConnection(config.redisUrl);
  connection.on('error', (err: Error) => logger.debug({ err: { message: err.message } }, 'maintenance worker redis connection error'));
  const worker = new Worker<unknown, object>(QUEUES.maintenance.name, (job) => deps.processor(job), {
    connection,
    prefix: config.redisPrefix,
    concurrency: 1,
    lockDuration: settings.lockDurationMs,
    stalledInterval: settings.stalledIntervalMs,
    telemetry: deps.telemetry,
  });
  recordWorkerMetrics(worker, deps.metrics);
  worker.on('completed', (job, result) => logger.info({ jobId: job.id, task: job.name, result }, 'maintenance task finished'));
  worker.on('failed', (job, err) => logger.warn({ jobId: job?.id, task: job?.name, error: { name: err.name, message: err.message } }, 'maintenance task failed'));
  worker.on('error', (err) => logger.error({ err: { name: err.name, message: err.message } }, 'maintenance worker error'));
  return {
    worker,
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}
