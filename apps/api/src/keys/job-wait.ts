import type { Queue, QueueEvents } from 'bullmq';

/**
 * - `completed`: the job finished within the wait; `value` is its return value (untyped JSON).
 * - `failed`: the job ended in failure within the wait; `reason` is its failure message.
 * - `pending`: the wait ran out (or waiting is off, `waitMs` 0).
 */
export type JobWait = { state: 'completed'; value: unknown } | { state: 'failed'; reason: string } | { state: 'pending' };

/** Waits, bounded by KEY_TEST_WAIT_MS, for a key-test job to finish. */
export interface KeyTestJobWaiter {
  wait(jobId: string): Promise<JobWait>;
}

export interface KeyTestJobWaiterDependencies {
  queue: Queue;
  /** The API's one listener for the key-test queue's events; owned (and closed) by the caller. */
  queueEvents: QueueEvents;
  waitMs: number;
}

type Settle = (outcome: JobWait) => void;

/**
 * The API's wait for key-test jobs. It keeps its own clock: `pending` means this timer ran out,
 * not that some error text looked like a time-out, so a job's own failure can never be mistaken
 * for "not yet" (nor the reverse). One `completed` and one `failed` listener serve every waiting
 * request, routed by job id, so fifty waits for one job add no listeners.
 */
export function createKeyTestJobWaiter(deps: KeyTestJobWaiterDependencies): KeyTestJobWaiter {
  const waiting = new Map<string, Set<Settle>>();

  const settleAll = (jobId: string, outcome: JobWait) => {
    const settles = waiting.get(jobId);
    waiting.delete(jobId);
    for (const settle of settles ?? []) settle(outcome);
  };
  deps.queueEvents.on('completed', ({ jobId, returnvalue }) => settleAll(jobId, { state: 'completed', value: returnvalue }));
  deps.queueEvents.on('failed', ({ jobId, failedReason }) => settleAll(jobId, { state: 'failed', reason: failedReason }));

  return {
    wait(jobId) {
      if (deps.waitMs <= 0) return Promise.resolve({ state: 'pending' });
      return new Promise<JobWait>((resolve, reject) => {
        let open = true;
        const close = () => {
          open = false;
          clearTimeout(timer);
          const settles = waiting.get(jobId);
          settles?.delete(settle);
          if (settles?.size === 0) waiting.delete(jobId);
        };
        const settle: Settle = (outcome) => {
          if (!open) return;
          close();
          resolve(outcome);
        };
        const timer = setTimeout(() => settle({ state: 'pending' }), deps.waitMs);
        // Listening before looking: a job that finishes between the look and the event is still seen.
        waiting.set(jobId, (waiting.get(jobId) ?? new Set()).add(settle));
        finishedAlready(deps, jobId).then(
          (outcome) => {
            if (outcome !== null) settle(outcome);
          },
          (error: unknown) => {
            if (!open) return;
            close();
            reject(error);
          },
        );
      });
    },
  };
}

/** The outcome of a job that finished before its events could be heard; null while it runs. */
async function finishedAlready(deps: KeyTestJobWaiterDependencies, jobId: string): Promise<JobWait | null> {
  // Events are only heard once the listener reads the stream; anything earlier shows in the state.
  await deps.queueEvents.waitUntilReady();
  const state = await deps.queue.getJobState(jobId);
  // Removed already ('unknown'): it finished, and its result is on the key.
  if (state === 'unknown') return { state: 'completed', value: null };
  if (state !== 'completed' && state !== 'failed') return null;
  const job = await deps.queue.getJob(jobId);
  if (job === undefined) return { state: 'completed', value: null };
  return state === 'completed' ? { state: 'completed', value: job.returnvalue } : { state: 'failed', reason: job.failedReason };
}
