import type { Config } from '@byok/config';
import { createBlockingConnection } from '@byok/queues';
import type { GatewayMetrics, Logger } from '@byok/telemetry';
import { Worker, type WorkerOptions } from 'bullmq';
import { recordJobMetrics } from '../job-metrics.js';
import type { RunningWorker } from '../running-worker.js';
import type { UsageConsumerSettings } from '../usage-consumer-options.js';
import type { createPruneProcessor, PruneResult } from './prune-usage-events.task.js';
import { USAGE_MAINTENANCE_QUEUE } from './usage-maintenance.queue.js';

export interface PruneWorkerDependencies {
  config: Pick<Config, 'redisUrl' | 'redisPrefix'>;
  logger: Logger;
  settings: Pick<UsageConsumerSettings, 'lockDurationMs' | 'stalledIntervalMs'>;
  processor: ReturnType<typeof createPruneProcessor>;
  metrics: GatewayMetrics;
  /** `queueTelemetry()`; undefined when tracing is off. */
  telemetry: WorkerOptions['telemetry'];
}

/** The BullMQ worker of the usage maintenance queue; one task at a time per process. */
export function createPruneWorker(deps: PruneWorkerDependencies): RunningWorker {
  const { config, logger, settings } = deps;
  const connection = createBlockingConnection(config.redisUrl);
  connection.on('error', (err: Error) => logger.debug({ err: { message: err.message } }, 'usage maintenance redis connection error'));
  const worker = new Worker<unknown, PruneResult>(USAGE_MAINTENANCE_QUEUE, (job) => deps.processor(job), {
    connection,
    prefix: config.redisPrefix,
    concurrency: 1,
    lockDuration: settings.lockDurationMs,
    stalledInterval: settings.stalledIntervalMs,
    telemetry: deps.telemetry,
  });
  recordJobMetrics(worker, deps.metrics);
  worker.on('completed', (job, result) => logger.info({ jobId: job.id, task: job.name, result }, 'usage maintenance task finished'));
  worker.on('failed', (job, err) => logger.warn({ jobId: job?.id, task: job?.name, error: { name: err.name, message: err.message } }, 'usage maintenance task failed'));
  worker.on('error', (err) => logger.error({ err: { name: err.name, message: err.message } }, 'usage maintenance worker error'));
  return {
    worker,
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}
