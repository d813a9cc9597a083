import type { GatewayMetrics } from './gateway-metrics.js';

/**
 * How BullMQ job events become queue metrics, shared by every worker process (the key-test worker,
 * the usage consumer) so "wait time" and "final failure" mean the same everywhere. Structural
 * types: this library does not import bullmq.
 */
export interface JobTiming {
  /** When the job was added (ms since epoch). */
  timestamp: number;
  /** When the current attempt started. */
  processedOn?: number | undefined;
  attemptsMade: number;
  attemptsStarted: number;
  opts: { delay?: number | undefined; attempts?: number | undefined };
}

/**
 * Time the job waited in its queue before its first attempt started, or undefined for a retry:
 * retries wait out their backoff on purpose, and only a first attempt's wait says the queue is
 * behind. A delayed job's delay is not counted as waiting.
 */
export function firstAttemptWaitMs(job: JobTiming, now = Date.now()): number | undefined {
  if (job.attemptsMade > 0 || job.attemptsStarted > 1) return undefined;
  return Math.max(0, (job.processedOn ?? now) - job.timestamp - (job.opts.delay ?? 0));
}

/** True when no retry follows this failed attempt (BullMQ has counted it when it emits `failed`). */
export function isFinalFailure(job: JobTiming | undefined, error: Error): boolean {
  return job === undefined || error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
}

/** The events of a BullMQ worker the recorder listens to (structurally, so no bullmq import). */
export interface JobEventSource {
  readonly name: string;
  on(event: 'active', listener: (job: JobTiming) => void): unknown;
  on(event: 'failed', listener: (job: JobTiming | undefined, error: Error) => void): unknown;
}

/**
 * Records, for any worker, how long each job waited before its first attempt and every failed
 * attempt (final when no retry follows). Listening to the worker's events keeps processors free of
 * metrics code, and costs one no-op call per job when no SDK runs.
 */
export function recordJobMetrics(worker: JobEventSource, metrics: Pick<GatewayMetrics, 'recordJobWait' | 'recordJobFailure'>): void {
  const queue = worker.name;
  worker.on('active', (job) => {
    const waitMs = firstAttemptWaitMs(job);
    if (waitMs !== undefined) metrics.recordJobWait({ queue, waitMs });
  });
  worker.on('failed', (job, error) => {
    metrics.recordJobFailure({ queue, final: isFinalFailure(job, error) });
  });
}
