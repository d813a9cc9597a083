import { drainOutboxOnce, scanKeyReminders } from '@byok/notifications';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOrg } from './support/budget-fixtures.js';
import { type NotifierHarness, startNotifierHarness, waitUntil } from './support/notifier-harness.js';

/**
 * An org key's events are written, like any key's, to its owner: `org:<id>`, whom nobody signs in
 * as. The drain readdresses them to the organization's owners and admins.
 */
describe("notifications about an organization's keys", () => {
  let h: NotifierHarness;
  beforeAll(async () => {
    h = await startNotifierHarness('notify_org_keys');
  });
  afterAll(async () => {
    await h.close();
  });

  it('reach the organization’s owners and admins, in the page and by email, and nobody else', async () => {
    const orgId = await insertOrg(h.db, { 'acme-owner': 'owner', 'acme-admin': 'admin', 'acme-member': 'member' });
    for (const user of ['acme-owner', 'acme-admin', 'acme-member']) await h.setEmail(user, `${user}@example.test`);
    const key = await h.insertKey({ userId: `org:${orgId}`, provider: 'openai', label: 'shared' });
    // As the key-test worker writes a verdict: addressed to the key's owner.
    const invalid = await h.emitKeyEvent('key_invalid', key);
    expect(invalid.emitted).toBe(true);
    // A scan is another emitter: an expiry reminder about the same key.
    await h.db.sql(`UPDATE user_provider_keys SET expires_at = now() + interval '3 days' WHERE id = $1`, [key.keyId]);
    expect(await scanKeyReminders(h.runtime.orm, { rotationReminderDays: 0 })).toBe(1);

    const notifier = await h.startNotifier();
    await waitUntil(async () => (await h.inPage()).length === 4, 15_000, 'both events for both managers');
    await waitUntil(() => h.smtp.received.length === 2, 15_000, 'an email to each manager');
    await notifier.close();

    const page = await h.inPage();
    expect(page.map((n) => [n.user_id, n.type]).sort()).toEqual([
      ['acme-admin', 'key_expiring'],
      ['acme-admin', 'key_invalid'],
      ['acme-owner', 'key_expiring'],
      ['acme-owner', 'key_invalid'],
    ]);
    expect(page.every((n) => n.title.startsWith('Test org: openai (shared) key'))).toBe(true);
    expect(h.smtp.received.map((m) => m.to).sort()).toEqual([['acme-admin@example.test'], ['acme-owner@example.test']]);
    // The copies name the organization; the one addressed to org:<id> went to nobody.
    const copies = await h.db.sql<{ user_id: string; payload: { id: string; userId: string; details: Record<string, unknown> } }>(
      `SELECT id::text, user_id, payload FROM notification_outbox WHERE payload->'subject'->>'keyId' = $1 AND user_id NOT LIKE 'org:%'`,
      [key.keyId],
    );
    expect(copies).toHaveLength(4);
    for (const copy of copies) expect(copy.payload).toMatchObject({ userId: copy.user_id, details: { ownerId: `org:${orgId}`, orgId, orgName: 'Test org' } });
    expect(await h.db.sql(`SELECT 1 FROM notifications WHERE user_id LIKE 'org:%'`)).toEqual([]);
  });

  it('readdress each event once, however often the drain runs, and tell nobody in an organization without managers', async () => {
    const orgId = await insertOrg(h.db, { 'solo-owner': 'owner' });
    const key = await h.insertKey({ userId: `org:${orgId}`, provider: 'groq' });
    const emptyOrg = await insertOrg(h.db, { 'only-member': 'member' });
    const orphan = await h.insertKey({ userId: `org:${emptyOrg}`, provider: 'groq' });
    await h.emitKeyEvent('key_no_credit', key);
    await h.emitKeyEvent('key_no_credit', orphan);
    const queue = h.runtime.producers.notifications.queue;
    while ((await drainOutboxOnce(h.runtime.orm, queue, 500)) > 0);
    // A drain killed after readdressing and before its commit leaves the event undispatched: the next drain writes the same copy.
    await h.db.sql(`UPDATE notification_outbox SET dispatched_at = NULL WHERE user_id = $1`, [`org:${orgId}`]);
    while ((await drainOutboxOnce(h.runtime.orm, queue, 500)) > 0);
    const copies = await h.db.sql<{ user_id: string }>(`SELECT user_id FROM notification_outbox WHERE payload->'subject'->>'keyId' = ANY($1) AND user_id NOT LIKE 'org:%'`, [[key.keyId, orphan.keyId]]);
    expect(copies).toEqual([{ user_id: 'solo-owner' }]);
    expect(await h.db.sql('SELECT count(*)::int AS n FROM notification_outbox WHERE dispatched_at IS NULL')).toEqual([{ n: 0 }]);
  });
});
