import { Queue, QueueEvents, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBlockingConnection } from '@byok/queues';
import { createKeyTestJobWaiter, type KeyTestJobWaiter, type KeyTestJobWaiterDependencies } from '../../apps/api/src/keys/job-wait.js';
import { deleteRedisPrefix } from '../support/redis-cleanup.js';
import { testServiceUrls, uniqueTestName } from '../support/services.js';

const QUEUE = 'job-wait-test';
// Long enough for a job on a loaded machine, short enough to wait out in the "pending" cases.
const WAIT_MS = 3_000;

/**
 * The API's bounded wait for key-test jobs, against a real queue: what each ending of the wait
 * reports, that a wait leaves no listener behind however it ends, and that the queue's events
 * are read only while someone waits.
 */
describe('key-test job wait', () => {
  const prefix = uniqueTestName('job_wait');
  const { redisUrl } = testServiceUrls();
  const connections = [createBlockingConnection(redisUrl), createBlockingConnection(redisUrl), createBlockingConnection(redisUrl), createBlockingConnection(redisUrl)] as const;
  let queue: Queue;
  /** The tests' own listener, for `waitUntilFinished`. */
  let queueEvents: QueueEvents;
  let waiter: KeyTestJobWaiter;
  /** Listeners the waiters opened, open ones last. */
  const opened: QueueEvents[] = [];
  let open = 0;

  /** A waiter whose listeners are counted; `autorun: false` leaves starting them to the test. */
  function waiterWith(options: Partial<KeyTestJobWaiterDependencies> & { autorun?: boolean } = {}): KeyTestJobWaiter {
    return createKeyTestJobWaiter({
      queue,
      redis: connections[3],
      waitMs: WAIT_MS,
      openEvents: (lastEventId) => {
        const connection = createBlockingConnection(redisUrl);
        const events = new QueueEvents(QUEUE, { connection, prefix, lastEventId, autorun: options.autorun ?? true });
        opened.push(events);
        open++;
        return {
          events,
          async close() {
            open--;
            await events.close();
            connection.disconnect();
          },
        };
      },
      ...options,
    });
  }

  beforeAll(async () => {
    queue = new Queue(QUEUE, { connection: connections[0], prefix });
    queueEvents = new QueueEvents(QUEUE, { connection: connections[1], prefix });
    waiter = waiterWith();
  });
  afterAll(async () => {
    await waiter.close();
    await queueEvents.close();
    await queue.close();
    for (const connection of connections) connection.disconnect();
    await deleteRedisPrefix(prefix);
  });

  /** Runs `process` on the queue's jobs until `fn` is done. */
  async function withWorker<T>(process: (data: { outcome: string }) => unknown, fn: () => Promise<T>): Promise<T> {
    const worker = new Worker(QUEUE, async (job) => process(job.data), { connection: connections[2], prefix });
    try {
      return await fn();
    } finally {
      await worker.close();
    }
  }

  const listeners = () => opened.reduce((sum, events) => sum + events.listenerCount('completed') + events.listenerCount('failed'), 0);

  it('reports a job that finishes during the wait with its return value', async () => {
    const job = await queue.add('test', { outcome: 'ok' });
    const waited = await withWorker(() => ({ replaced: true }), () => waiter.wait(job.id ?? ''));
    expect(waited).toEqual({ state: 'completed', value: { replaced: true } });
  });

  it("reports a job's own failure as failed, with its reason, never as pending", async () => {
    const job = await queue.add('test', { outcome: 'fail' });
    const waited = await withWorker(
      () => {
        throw new UnrecoverableError('the provider timed out (ttl exceeded)');
      },
      () => waiter.wait(job.id ?? ''),
    );
    expect(waited).toEqual({ state: 'failed', reason: 'the provider timed out (ttl exceeded)' });
  });

  it('reports pending when its own timer runs out, and forgets the job', async () => {
    const before = listeners();
    const job = await queue.add('test', { outcome: 'nobody runs this' });
    // Two waits for one job share its entry; both end on the timer.
    expect(await Promise.all([waiter.wait(job.id ?? ''), waiter.wait(job.id ?? '')])).toEqual([{ state: 'pending' }, { state: 'pending' }]);
    expect(listeners()).toBe(before);
    // A late finish reaches no one and breaks nothing.
    await withWorker(() => 'late', () => job.waitUntilFinished(queueEvents, 20_000));
    expect(await job.getState()).toBe('completed');
  });

  it('reads a job that finished before the wait began from its state', async () => {
    const done = await queue.add('test', { outcome: 'ok' });
    await withWorker(() => 'early', () => done.waitUntilFinished(queueEvents, 20_000));
    expect(await waiter.wait(done.id ?? '')).toEqual({ state: 'completed', value: 'early' });

    const failed = await queue.add('test', { outcome: 'fail' });
    await withWorker(
      () => {
        throw new UnrecoverableError('rejected early');
      },
      () => failed.waitUntilFinished(queueEvents, 20_000).catch(() => undefined),
    );
    expect(await waiter.wait(failed.id ?? '')).toEqual({ state: 'failed', reason: 'rejected early' });
  });

  it('takes a job that is gone (removed on completion) as completed without a value', async () => {
    expect(await waiter.wait('no-such-job')).toEqual({ state: 'completed', value: null });
  });

  it('with waiting off (waitMs 0) answers pending at once, and opens no listener', async () => {
    const before = opened.length;
    const off = waiterWith({ waitMs: 0 });
    expect(await off.wait('any')).toEqual({ state: 'pending' });
    expect(opened.length).toBe(before);
  });

  it('reads the queue events only while someone waits: opened by the first wait, closed once the last one ended and the linger passed', async () => {
    const lingering = waiterWith({ lingerMs: 300 });
    const before = { opened: opened.length, open };
    const first = await queue.add('test', { outcome: 'ok' });
    const second = await queue.add('test', { outcome: 'ok' });
    const waits = await withWorker(() => 'both', () => Promise.all([lingering.wait(first.id ?? ''), lingering.wait(second.id ?? '')]));
    expect(waits).toEqual([{ state: 'completed', value: 'both' }, { state: 'completed', value: 'both' }]);
    // Two waits at once share one listener, which outlives them by the linger only.
    expect(opened.length - before.opened).toBe(1);
    expect(open - before.open).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(open - before.open).toBe(0);
    // The next wait opens a new one.
    expect(await lingering.wait('no-such-job')).toEqual({ state: 'completed', value: null });
    expect(opened.length - before.opened).toBe(2);
    await lingering.close();
    expect(open - before.open).toBe(0);
  });

  it('hears a job that finished after its state was looked at but before the new listener read anything', async () => {
    // The waiter's look at the job's state, reported to the test, so the job completes only after it.
    let looked: (state: string) => void = () => {};
    const lookedAt = new Promise<string>((resolve) => {
      looked = resolve;
    });
    const watched: Queue = Object.create(queue, {
      getJobState: {
        value: async (id: string) => {
          const state = await queue.getJobState(id);
          looked(state);
          return state;
        },
      },
    });
    const held = waiterWith({ autorun: false, queue: watched });
    const job = await queue.add('test', { outcome: 'ok' });
    const waited = held.wait(job.id ?? '');
    // The look found the job waiting; then it completes while the listener has not read yet.
    expect(await lookedAt).toBe('waiting');
    await withWorker(() => 'between', async () => {
      while ((await job.getState()) !== 'completed') await new Promise((resolve) => setTimeout(resolve, 20));
    });
    const listener = opened.at(-1);
    void listener?.run();
    expect(await waited).toEqual({ state: 'completed', value: 'between' });
    await held.close();
  });

  it('with Redis away when a wait opens its listener, the wait fails at once and the next one opens afresh', async () => {
    let away = true;
    const flaky = {
      xrevrange: (...args: Parameters<Redis['xrevrange']>) => (away ? Promise.reject(new Error('Connection is closed.')) : connections[3].xrevrange(...args)),
    } as unknown as Redis;
    const waiting = waiterWith({ redis: flaky });
    const before = opened.length;
    await expect(waiting.wait('any-job')).rejects.toThrow('Connection is closed.');
    expect(opened.length).toBe(before);
    away = false;
    expect(await waiting.wait('no-such-job')).toEqual({ state: 'completed', value: null });
    expect(opened.length).toBe(before + 1);
    await waiting.close();
  });

  it('on close, ends the waits still running as pending', async () => {
    const closing = waiterWith();
    const job = await queue.add('test', { outcome: 'nobody runs this either' });
    const waited = closing.wait(job.id ?? '');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await closing.close();
    expect(await waited).toEqual({ state: 'pending' });
  });
});
