import type { QueueEvents } from 'bullmq';
import type { Producers } from '@byok/queues';

export interface JobWaitDependencies {
  producers: Producers;
  queueEvents: QueueEvents;
  waitMs: number;
}

/**
 * - `completed`: the job finished within the wait; `value` is its return value (untyped JSON).
 * - `failed`: the job ended in failure within the wait; `reason` is its failure message.
 * - `pending`: the wait ran out (or waiting is off, `waitMs` 0).
 */
export type JobWait = { state: 'completed'; value: unknown } | { state: 'failed'; reason: string } | { state: 'pending' };

/** Waits (bounded) for a key-test job through the API's one queue-events listener. */
export async function waitForKeyTestJob(deps: JobWaitDependencies, jobId: string): Promise<JobWait> {
  if (deps.waitMs <= 0) return { state: 'pending' };
  const job = await deps.producers.keyTests.queue.getJob(jobId);
  // Removed already: it finished, and its result is on the key.
  if (job === undefined) return { state: 'completed', value: null };
  try {
    return { state: 'completed', value: await job.waitUntilFinished(deps.queueEvents, deps.waitMs) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // Only a timeout means "not yet"; anything else is the job's own failure.
    return /timed out|ttl/i.test(message) ? { state: 'pending' } : { state: 'failed', reason: message };
  }
}
