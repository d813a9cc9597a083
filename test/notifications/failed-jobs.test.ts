import { drainOutboxOnce, keyEventDraft, type NotificationChannel, type NotificationDraft } from '@byok/notifications';
import { createProducerConnection, QUEUES } from '@byok/queues';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NotifierHarness, sleep, startNotifierHarness, waitUntil } from './support/notifier-harness.js';

/**
 * A channel that fails for as long as `down` is set (a Postgres outage or a receiver store away
 * longer than the job's attempts), and records what it took afterwards.
 */
function outageChannel() {
  const taken = new Map<string, number>();
  const channel = {
    down: true,
    failedCalls: 0,
    taken,
    name: 'webhook',
    async deliver(events) {
      if (channel.down) {
        channel.failedCalls++;
        throw new Error('store unavailable (test outage)');
      }
      for (const event of events) taken.set(event.id, (taken.get(event.id) ?? 0) + 1);
    },
  } satisfies NotificationChannel & Record<string, unknown>;
  return channel;
}

describe('a notifications job that failed past its attempts', () => {
  let h: NotifierHarness;
  let queue: Queue;
  beforeAll(async () => {
    h = await startNotifierHarness('notify_failed_jobs');
    // The real queue with the drainer's own code, but one attempt per job instead of the catalog's
    // ten (about 17 minutes of backoff): the job is failed for good at its first error.
    queue = new Queue(QUEUES.notifications.name, { connection: createProducerConnection(h.config.redisUrl), prefix: h.config.redisPrefix, defaultJobOptions: { attempts: 1 } });
  });
  afterAll(async () => {
    await queue.close();
    await h.close();
  });

  it('is run again once the fault has cleared, and each event is delivered once per channel', { timeout: 60_000 }, async () => {
    const key = await h.insertKey({ userId: 'outage-owner' });
    const drafts: NotificationDraft[] = ['a', 'b', 'c'].map((scope) => ({ ...keyEventDraft('key_invalid', key), dedupeScope: scope }));
    const emitted = await h.emit(drafts);
    expect(await drainOutboxOnce(h.runtime.orm, queue, 500)).toBe(3);

    const outage = outageChannel();
    await h.startNotifier({ extraChannels: [outage], retryFailedEveryMs: 500 });
    await waitUntil(async () => (await queue.getFailedCount()) === 1, 15_000, 'the job to fail for good');
    // Failed, its rows stamped dispatched: nothing drains them again. The page took its events on the first run.
    expect(await h.db.sql('SELECT count(*)::int AS n FROM notification_outbox WHERE dispatched_at IS NULL')).toEqual([{ n: 0 }]);
    expect(outage.taken.size).toBe(0);
    // Still down: the job goes back to waiting and fails again, and again.
    await waitUntil(() => outage.failedCalls >= 3, 15_000, 'retries during the outage');

    outage.down = false;
    await waitUntil(() => outage.taken.size === 3, 15_000, 'the events once the fault cleared');
    // Long enough for a second run of a job that already succeeded to show.
    await sleep(1500);
    expect([...outage.taken.entries()].sort()).toEqual(emitted.map((e) => [e.id, 1] as const).sort());
    expect((await h.inPage('outage-owner')).map((n) => n.id).sort()).toEqual(emitted.map((e) => e.id).sort());
    expect(await queue.getFailedCount()).toBe(0);
    expect(await queue.getCompletedCount()).toBe(1);
  });
});
