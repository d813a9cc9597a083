import type { GatewayMetrics } from '@byok/telemetry';
import type { Job, Worker } from 'bullmq';

/**
 * Records, for any BullMQ worker, how long each job waited before its first attempt and every
 * failed attempt (final when no retry follows). Listening to the worker's own events keeps the
 * processors free of metrics code, and costs one no-op call per job when no SDK runs.
 */
export function recordWorkerMetrics(worker: Worker, metrics: Pick<GatewayMetrics, 'recordJobWait' | 'recordJobFailure'>): void {
  const queue = worker.name;
  worker.on('active', (job) => {
    // Retries wait out their backoff on purpose; only a first attempt's wait says the queue is behind.
    if (job.attemptsMade > 0 || job.attemptsStarted > 1) return;
    const startedAt = job.processedOn ?? Date.now();
    metrics.recordJobWait({ queue, waitMs: startedAt - job.timestamp - (job.opts.delay ?? 0) });
  });
  worker.on('failed', (job, error) => {
    metrics.recordJobFailure({ queue, final: job === undefined || isFinalFailure(job, error) });
  });
}

/** BullMQ has already counted the attempt when it emits `failed`. */
function isFinalFailure(job: Job, error: Error): boolean {
  return error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
}
