import { drainOutboxOnce, emitNotifications, keyEventDraft, LONGEST_DEDUPE_PERIOD_MS, notificationJobId, pruneOutbox } from '@byok/notifications';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NotifierHarness, startNotifierHarness, waitUntil } from './support/notifier-harness.js';

describe('the notification outbox', () => {
  let h: NotifierHarness;
  beforeAll(async () => {
    h = await startNotifierHarness('notify_outbox');
  });
  afterAll(async () => {
    await h.close();
  });

  it('notifies nobody about a key change that was rolled back, and once about one that committed', async () => {
    const key = await h.insertKey({ userId: 'rollback-user' });
    const failure = new Error('the change failed after emitting');
    await expect(
      h.runtime.orm.em.fork().transactional(async (em) => {
        await em.execute(`UPDATE user_provider_keys SET test_status = 'invalid' WHERE id = ?`, [key.keyId]);
        await emitNotifications(em, [keyEventDraft('key_invalid', key)]);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await h.db.sql('SELECT id FROM notification_outbox')).toEqual([]);

    await h.runtime.orm.em.fork().transactional(async (em) => {
      await em.execute(`UPDATE user_provider_keys SET test_status = 'invalid' WHERE id = ?`, [key.keyId]);
      await emitNotifications(em, [keyEventDraft('key_invalid', key)]);
    });
    const notifier = await h.startNotifier();
    await waitUntil(async () => (await h.inPage('rollback-user')).length === 1, 15_000, 'the committed change to reach the page');
    await notifier.close();
    const [item] = await h.inPage('rollback-user');
    expect(item).toMatchObject({ type: 'key_invalid', title: 'openai (work) key is invalid', read_at: null });
    expect(await h.db.sql('SELECT count(*)::int AS n FROM notification_outbox WHERE dispatched_at IS NULL')).toEqual([{ n: 0 }]);
  });

  it('dedupes per key in a sliding window: the same key turning invalid twice in an hour notifies once, across clock hours too', async () => {
    const key = await h.insertKey({ userId: 'dedupe-user', provider: 'groq' });
    const other = await h.insertKey({ userId: 'dedupe-user', provider: 'mistral' });
    const strangersKey = { ...key, userId: 'dedupe-stranger' };
    const at = (iso: string) => ({ occurredAt: iso });
    const results = [
      await h.emitKeyEvent('key_invalid', key, at('2026-12-06T10:05:00Z')),
      await h.emitKeyEvent('key_invalid', key, at('2026-12-06T10:55:00Z')),
      // Another kind of event about the same key, another key, another owner: each its own.
      await h.emitKeyEvent('key_no_credit', key, at('2026-12-06T10:56:00Z')),
      await h.emitKeyEvent('key_invalid', other, at('2026-12-06T10:57:00Z')),
      await h.emitKeyEvent('key_invalid', strangersKey, at('2026-12-06T10:58:00Z')),
      // Another clock hour, but within an hour of the event that notified: still the same notification.
      await h.emitKeyEvent('key_invalid', key, at('2026-12-06T11:01:00Z')),
      // An hour after the one that notified: a new notification, whose own hour starts now.
      await h.emitKeyEvent('key_invalid', key, at('2026-12-06T11:05:00Z')),
      await h.emitKeyEvent('key_invalid', key, at('2026-12-06T11:45:00Z')),
    ];
    expect(results.map((r) => r.emitted)).toEqual([true, false, true, true, true, false, true, false]);
    // Within one statement too: the earliest stands for the others.
    const both = await h.emit([keyEventDraft('key_recovered', key, at('2026-12-06T12:30:00Z')), keyEventDraft('key_recovered', key, at('2026-12-06T12:00:00Z'))]);
    expect(both.map((r) => r.emitted)).toEqual([false, true]);
    // 10:05 and 11:05 invalid, no credit, the stranger's (same key id, another owner), and 12:00 recovered.
    const rows = await h.db.sql<{ n: number }>(`SELECT count(*)::int AS n FROM notification_outbox WHERE payload->'subject'->>'keyId' = $1`, [key.keyId]);
    expect(rows[0]?.n).toBe(5);
  });

  it('prunes dedupe windows that have ended, and keeps those still running', async () => {
    const key = await h.insertKey({ userId: 'dedupe-pruned', provider: 'openai' });
    await h.emitKeyEvent('key_invalid', key, { occurredAt: '2026-12-01T10:00:00Z' });
    await h.emitKeyEvent('key_no_credit', key);
    await pruneOutbox(h.runtime.orm, LONGEST_DEDUPE_PERIOD_MS);
    const windows = await h.db.sql<{ dedupe_key: string }>("SELECT dedupe_key FROM notification_dedupe WHERE dedupe_key LIKE '%:dedupe-pruned:%'");
    expect(windows.map((w) => w.dedupe_key)).toEqual([`key_no_credit:dedupe-pruned:key:${key.keyId}`]);
  });

  it('dedupes between concurrent transactions: the second waits for the first, and notifies only if the first rolled back', async () => {
    const key = await h.insertKey({ userId: 'dedupe-racer', provider: 'cohere' });
    const draft = () => keyEventDraft('key_invalid', key, { occurredAt: '2026-12-06T09:00:00Z' });
    /** Emits in a transaction that stays open until `finish` is called, then commits or rolls back. */
    const holdOpen = () => {
      let finish: (commit: boolean) => void = () => {};
      const decided = new Promise<boolean>((resolve) => {
        finish = resolve;
      });
      let emitted: (value: boolean) => void = () => {};
      const wrote = new Promise<boolean>((resolve) => {
        emitted = resolve;
      });
      const done = h.runtime.orm.em
        .fork()
        .transactional(async (em) => {
          const [result] = await emitNotifications(em, [draft()]);
          emitted(result?.emitted ?? false);
          if (!(await decided)) throw new Error('rolled back on purpose');
        })
        .catch(() => undefined);
      return { wrote, finish, done };
    };

    const rolledBack = holdOpen();
    expect(await rolledBack.wrote).toBe(true);
    const racer = h.emit([draft()]);
    // The racer waits on the open transaction's claim rather than deciding on what it cannot see yet.
    const early = await Promise.race([racer.then(() => 'decided'), new Promise((resolve) => setTimeout(() => resolve('waiting'), 300))]);
    expect(early).toBe('waiting');
    rolledBack.finish(false);
    await rolledBack.done;
    expect((await racer).map((r) => r.emitted)).toEqual([true]);

    const committed = holdOpen();
    // The window the racer's event claimed holds: this one is dropped, and so is one racing it.
    expect(await committed.wrote).toBe(false);
    committed.finish(true);
    await committed.done;
    expect((await h.emit([draft()])).map((r) => r.emitted)).toEqual([false]);
    const rows = await h.db.sql<{ n: number }>(`SELECT count(*)::int AS n FROM notification_outbox WHERE payload->'subject'->>'keyId' = $1`, [key.keyId]);
    expect(rows[0]?.n).toBe(1);
  });

  it('lets several drainers share the outbox: every event in exactly one job, ids only, and a re-drain adds no job', async () => {
    const key = await h.insertKey({ userId: 'drain-user', provider: 'anthropic' });
    const queue = h.runtime.producers.notifications.queue;
    // What the tests above left in the outbox goes first, so the batches below hold only these events.
    while ((await drainOutboxOnce(h.runtime.orm, queue, 500)) > 0);
    const drafts = Array.from({ length: 300 }, (_, i) => ({ ...keyEventDraft('key_invalid', key), dedupeScope: `burst-${i}` }));
    const emitted = await h.emit(drafts);
    const ids = new Set(emitted.map((e) => e.id));
    const jobsNaming = async () => (await queue.getJobs(['waiting', 'active', 'completed', 'delayed'])).filter((job) => (job.data.eventIds as string[]).some((id) => ids.has(id)));
    const moved = await Promise.all([drainOutboxOnce(h.runtime.orm, queue, 50), drainOutboxOnce(h.runtime.orm, queue, 50), drainOutboxOnce(h.runtime.orm, queue, 50)]);
    expect(moved).toEqual([50, 50, 50]);
    while ((await drainOutboxOnce(h.runtime.orm, queue, 50)) > 0);
    const jobs = await jobsNaming();
    const named = jobs.flatMap((job) => job.data.eventIds as string[]);
    expect(named.sort()).toEqual([...ids].sort());
    for (const job of jobs) {
      // Ids only on the queue: no title, label or message; the id follows from them.
      expect(Object.keys(job.data)).toEqual(['eventIds']);
      expect(job.id).toBe(notificationJobId(job.data.eventIds));
    }
    // Rows that lost their dispatch stamp (a drainer killed between its add and its commit) are
    // drained into the same batches again (one drainer takes them in a fixed order), whose jobs
    // BullMQ already holds. Concurrent drainers interleave their claims (SKIP LOCKED), so the
    // batches above need not be the ones a lone drainer makes: the first lone re-drain may add jobs, the next adds none.
    const unstamp = () => h.db.sql('UPDATE notification_outbox SET dispatched_at = NULL WHERE id = ANY($1::uuid[])', [[...ids]]);
    await unstamp();
    while ((await drainOutboxOnce(h.runtime.orm, queue, 50)) > 0);
    const jobIds = new Set((await jobsNaming()).map((job) => job.id));
    await unstamp();
    while ((await drainOutboxOnce(h.runtime.orm, queue, 50)) > 0);
    expect(new Set((await jobsNaming()).map((job) => job.id))).toEqual(jobIds);
  });
});
