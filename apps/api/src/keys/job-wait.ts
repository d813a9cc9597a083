import type { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * - `completed`: the job finished within the wait; `value` is its return value (untyped JSON).
 * - `failed`: the job ended in failure within the wait; `reason` is its failure message.
 * - `pending`: the wait ran out (or waiting is off, `waitMs` 0).
 */
export type JobWait = { state: 'completed'; value: unknown } | { state: 'failed'; reason: string } | { state: 'pending' };

/** Waits, bounded by KEY_TEST_WAIT_MS, for a key-test job to finish. */
export interface KeyTestJobWaiter {
  wait(jobId: string): Promise<JobWait>;
  /** Closes the queue-event listener if one is open; waits still running end as `pending`. */
  close(): Promise<void>;
}

/** A listener for the key-test queue's events and what closes it (its connection included). */
export interface QueueEventsListener {
  events: QueueEvents;
  close(): Promise<void>;
}

export interface KeyTestJobWaiterDependencies {
  queue: Queue;
  /** Reads where the queue's event stream ends (a command connection, no key prefix of its own). */
  redis: Redis;
  /**
   * Opens a listener that reads the queue's events from just after `lastEventId` (a stream entry
   * id of the queue's event stream); the waiter closes it.
   */
  openEvents: (lastEventId: string) => QueueEventsListener;
  waitMs: number;
  /** How long the listener stays open after the last wait ended. Default 30 s. */
  lingerMs?: number;
}

type Settle = (outcome: JobWait) => void;

const DEFAULT_LINGER_MS = 30_000;

/**
 * The API's wait for key-test jobs. It keeps its own clock: `pending` means this timer ran out,
 * not that some error text looked like a time-out, so a job's own failure can never be mistaken
 * for "not yet" (nor the reverse). One `completed` and one `failed` listener serve every waiting
 * request, routed by job id, so fifty waits for one job add no listeners.
 *
 * The queue's events are read only while someone waits (and `lingerMs` after): every save queues
 * a test, and each test job writes several events (added, waiting, active, completed), so a
 * listener that is always open wakes the API for every save of every user just to find that no
 * one is waiting. A listener opened for a wait reads from the stream's last entry as it was
 * before the job's state is looked at, so no event between the look and the first read is lost.
 */
export function createKeyTestJobWaiter(deps: KeyTestJobWaiterDependencies): KeyTestJobWaiter {
  const waiting = new Map<string, Set<Settle>>();
  const lingerMs = deps.lingerMs ?? DEFAULT_LINGER_MS;
  let listener: Promise<QueueEventsListener> | null = null;
  let lingering: NodeJS.Timeout | undefined;

  const settleAll = (jobId: string, outcome: JobWait) => {
    const settles = waiting.get(jobId);
    waiting.delete(jobId);
    for (const settle of settles ?? []) settle(outcome);
  };

  /** The open listener, or a new one reading from the stream's current end. */
  function listen(): Promise<QueueEventsListener> {
    clearTimeout(lingering);
    listener ??= openListener().catch((error: unknown) => {
      listener = null;
      throw error;
    });
    return listener;
  }

  async function openListener(): Promise<QueueEventsListener> {
    const [last] = await deps.redis.xrevrange(deps.queue.toKey('events'), '+', '-', 'COUNT', 1);
    const opened = deps.openEvents(last?.[0] ?? '0-0');
    opened.events.on('completed', ({ jobId, returnvalue }) => settleAll(jobId, { state: 'completed', value: returnvalue }));
    opened.events.on('failed', ({ jobId, failedReason }) => settleAll(jobId, { state: 'failed', reason: failedReason }));
    return opened;
  }

  async function closeListener(): Promise<void> {
    clearTimeout(lingering);
    const closing = listener;
    listener = null;
    await (await closing?.catch(() => null))?.close();
  }

  /** After the last wait ended, the listener closes unless another wait comes within `lingerMs`. */
  function lingerIfIdle(): void {
    if (waiting.size > 0 || listener === null) return;
    clearTimeout(lingering);
    lingering = setTimeout(() => void closeListener(), lingerMs).unref();
  }

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
          lingerIfIdle();
        };
        const settle: Settle = (outcome) => {
          if (!open) return;
          close();
          resolve(outcome);
        };
        const timer = setTimeout(() => settle({ state: 'pending' }), deps.waitMs);
        // Listening before looking: a job that finishes between the look and the event is still seen.
        waiting.set(jobId, (waiting.get(jobId) ?? new Set()).add(settle));
        listen()
          .then(() => finishedAlready(deps.queue, jobId))
          .then(
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
    async close() {
      for (const jobId of [...waiting.keys()]) settleAll(jobId, { state: 'pending' });
      await closeListener();
    },
  };
}

/** The outcome of a job that finished before the listener's first event; null while it runs. */
async function finishedAlready(queue: Queue, jobId: string): Promise<JobWait | null> {
  // The listener reads from the stream's end as it was before this look; anything earlier shows in the state.
  const state = await queue.getJobState(jobId);
  // Removed already ('unknown'): it finished, and its result is on the key.
  if (state === 'unknown') return { state: 'completed', value: null };
  if (state !== 'completed' && state !== 'failed') return null;
  const job = await queue.getJob(jobId);
  if (job === undefined) return { state: 'completed', value: null };
  return state === 'completed' ? { state: 'completed', value: job.returnvalue } : { state: 'failed', reason: job.failedReason };
}
