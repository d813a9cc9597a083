import { firstAttemptWaitMs, isFinalFailure, type GatewayMetrics } from '@byok/telemetry';
import type { Worker } from 'bullmq';

/**
 * Records, for a BullMQ worker of this app, how long each job waited before its first attempt and
 * every failed attempt (final when no retry follows), with the same definitions as the worker app
 * (`firstAttemptWaitMs`, `isFinalFailure` from libs/telemetry). Listening to the worker's events
 * keeps the processors free of metrics code.
 */
export function recordJobMetrics(worker: Worker, metrics: Pick<GatewayMetrics, 'recordJobWait' | 'recordJobFailure'>): void {
  const queue = worker.name;
  worker.on('active', (job) => {
    const waitMs = firstAttemptWaitMs(job);
    if (waitMs !== undefined) metrics.recordJobWait({ queue, waitMs });
  });
  worker.on('failed', (job, error) => {
    metrics.recordJobFailure({ queue, final: isFinalFailure(job, error) });
  });
}
