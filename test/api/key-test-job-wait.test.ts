import { Queue, QueueEvents, UnrecoverableError, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBlockingConnection } from '@byok/queues';
import { createKeyTestJobWaiter, type KeyTestJobWaiter } from '../../apps/api/src/keys/job-wait.js';
import { deleteRedisPrefix } from '../support/redis-cleanup.js';
import { testServiceUrls, uniqueTestName } from '../support/services.js';

const QUEUE = 'job-wait-test';
// Long enough for a job on a loaded machine, short enough to wait out in the "pending" cases.
const WAIT_MS = 3_000;

/**
 * The API's bounded wait for key-test jobs, against a real queue: what each ending of the wait
 * reports, and that a wait leaves no listener behind however it ends.
 */
describe('key-test job wait', () => {
  const prefix = uniqueTestName('job_wait');
  const { redisUrl } = testServiceUrls();
  const connections = [createBlockingConnection(redisUrl), createBlockingConnection(redisUrl), createBlockingConnection(redisUrl)] as const;
  let queue: Queue;
  let queueEvents: QueueEvents;
  let waiter: KeyTestJobWaiter;

  beforeAll(async () => {
    queue = new Queue(QUEUE, { connection: connections[0], prefix });
    queueEvents = new QueueEvents(QUEUE, { connection: connections[1], prefix });
    waiter = createKeyTestJobWaiter({ queue, queueEvents, waitMs: WAIT_MS });
  });
  afterAll(async () => {
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

  const listeners = () => queueEvents.listenerCount('completed') + queueEvents.listenerCount('failed');

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

  it('with waiting off (waitMs 0) answers pending at once', async () => {
    const off = createKeyTestJobWaiter({ queue, queueEvents, waitMs: 0 });
    expect(await off.wait('any')).toEqual({ state: 'pending' });
  });
});
