import { drainOutboxOnce, emitNotifications, keyEventDraft } from '@byok/notifications';
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

  it('dedupes per key and period: the same key turning invalid twice in an hour notifies once', async () => {
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
      // The next hour is a new period.
      await h.emitKeyEvent('key_invalid', key, at('2026-12-06T11:01:00Z')),
    ];
    expect(results.map((r) => r.emitted)).toEqual([true, false, true, true, true, true]);
    // Within one statement too (two transactions racing meet the same unique index).
    const both = await h.emit([keyEventDraft('key_recovered', key, at('2026-12-06T12:00:00Z')), keyEventDraft('key_recovered', key, at('2026-12-06T12:30:00Z'))]);
    expect(both.map((r) => r.emitted)).toEqual([true, false]);
    const rows = await h.db.sql<{ n: number }>(`SELECT count(*)::int AS n FROM notification_outbox WHERE payload->'subject'->>'keyId' = $1`, [key.keyId]);
    expect(rows[0]?.n).toBe(5);
  });

  it('lets several drainers share the outbox without a second job for any event', async () => {
    const key = await h.insertKey({ userId: 'drain-user', provider: 'anthropic' });
    const drafts = Array.from({ length: 300 }, (_, i) => ({ ...keyEventDraft('key_invalid', key), dedupeScope: `burst-${i}` }));
    const emitted = await h.emit(drafts);
    const queue = h.runtime.producers.notifications.queue;
    const moved = await Promise.all([drainOutboxOnce(h.runtime.orm, queue, 50), drainOutboxOnce(h.runtime.orm, queue, 50), drainOutboxOnce(h.runtime.orm, queue, 50)]);
    expect(moved.reduce((a, b) => a + b, 0)).toBe(150);
    while ((await drainOutboxOnce(h.runtime.orm, queue, 50)) > 0);
    const ids = new Set(emitted.map((e) => e.id));
    const jobs = (await queue.getJobs(['waiting', 'active', 'completed', 'delayed'])).filter((job) => ids.has(String(job.id)));
    expect(jobs).toHaveLength(300);
    // Ids only on the queue: no title, label or message.
    for (const job of jobs) expect(job.data).toEqual({ eventId: job.id });
    // A re-drain of rows that lost their dispatch stamp (a drainer killed before its commit) adds no job.
    await h.db.sql('UPDATE notification_outbox SET dispatched_at = NULL WHERE id = ANY($1::uuid[])', [[...ids]]);
    while ((await drainOutboxOnce(h.runtime.orm, queue, 100)) > 0);
    const again = (await queue.getJobs(['waiting', 'active', 'completed', 'delayed'])).filter((job) => ids.has(String(job.id)));
    expect(again).toHaveLength(300);
  });
});
