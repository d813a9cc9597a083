import { firstAttemptWaitMs, isFinalFailure, type GatewayMetrics } from '@byok/telemetry';
import type { Worker } from 'bullmq';

/**
 * Records, for any BullMQ worker, how long each job waited before its first attempt and every
 * failed attempt (final when no retry follows). Listening to the worker's own events keeps the
 * processors free of metrics code, and costs one no-op call per job when no SDK runs.
 */
export function recordWorkerMetrics(worker: Worker, metrics: Pick<GatewayMetrics, 'recordJobWait' | 'recordJobFailure'>): void {
  const queue = worker.name;
  worker.on('active', (job) => {
    const waitMs = firstAttemptWaitMs(job);
    if (waitMs !== undefined) metrics.recordJobWait({ queue, waitMs });
  });
  worker.on('failed', (job, error) => {
    metrics.recordJobFailure({ queue, final: isFinalFailure(job, error) });
  });
}
