import type { Config } from '@byok/config';
import { startSerialTaskWorker, type RunningWorker } from '@byok/queues';
import { recordJobMetrics } from '@byok/telemetry';
import type { GatewayMetrics, Logger } from '@byok/telemetry';
import type { WorkerOptions } from 'bullmq';
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
  return startSerialTaskWorker<PruneResult>({
    queueName: USAGE_MAINTENANCE_QUEUE,
    label: 'usage maintenance',
    processor: (job) => deps.processor(job),
    redisUrl: deps.config.redisUrl,
    prefix: deps.config.redisPrefix,
    lockDurationMs: deps.settings.lockDurationMs,
    stalledIntervalMs: deps.settings.stalledIntervalMs,
    telemetry: deps.telemetry,
    logger: deps.logger,
    instrument: (worker) => recordJobMetrics(worker, deps.metrics),
  });
}
