import type { Config } from '@byok/config';
import { QUEUES, startSerialTaskWorker, type RunningWorker } from '@byok/queues';
import { recordJobMetrics } from '@byok/telemetry';
import type { GatewayMetrics, Logger } from '@byok/telemetry';
import type { WorkerOptions } from 'bullmq';
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
  return startSerialTaskWorker({
    queueName: QUEUES.maintenance.name,
    label: 'maintenance',
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
