import { randomUUID } from 'node:crypto';
import { createInPageChannel, keyEventDraft, type NotificationEvent } from '@byok/notifications';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, FAKE_KEYS, startApiHarness, TEST_JWT_SECRET } from '../support/api-harness.js';
import { waitUntil } from './support/notifier-harness.js';

/** Page rows as the notifier's page channel writes them, one minute apart (newest last). */
async function deliver(h: ApiHarness, userId: string, count: number): Promise<NotificationEvent[]> {
  const base = Date.parse('2026-12-01T10:00:00.000Z');
  const events = Array.from({ length: count }, (_, i) => {
    const draft = keyEventDraft('key_invalid', { keyId: randomUUID(), userId, provider: 'openai', label: `key ${i}` });
    const { dedupeScope: _scope, ...rest } = draft;
    return { ...rest, id: randomUUID(), occurredAt: new Date(base + i * 60_000).toISOString() };
  });
  await createInPageChannel({ orm: h.runtime.orm }).deliver(events);
  return events;
}

describe('the notifications API', () => {
  let h: ApiHarness;
  let alice: Record<string, string>;
  let bob: Record<string, string>;
  beforeAll(async () => {
    h = await startApiHarness('notify_api');
    alice = { authorization: `Bearer ${await h.token('alice')}` };
    bob = { authorization: `Bearer ${await h.token('bob')}` };
  });
  afterAll(() => h.close());

  it('lists your notifications newest first in pages, with the unread count, and marks them read', async () => {
    const events = await deliver(h, 'alice', 5);
    const first = await h.app.inject({ url: '/api/v1/notifications?limit=2', headers: alice });
    expect(first.statusCode).toBe(200);
    const page1 = first.json();
    expect(page1.unread_count).toBe(5);
    expect(page1.notifications.map((n: { id: string }) => n.id)).toEqual([events[4]?.id, events[3]?.id]);
    expect(page1.notifications[0]).toEqual({
      id: events[4]?.id,
      type: 'key_invalid',
      title: 'openai (key 4) key is invalid',
      message: expect.stringContaining('The provider refused your openai (key 4) key.'),
      action: 'Replace the key with a valid one, or delete it.',
      link: `/account/api-keys#key-${events[4]?.subject.kind === 'key' ? events[4].subject.keyId : ''}`,
      subject: { kind: 'key', key_id: events[4]?.subject.kind === 'key' ? events[4].subject.keyId : '', provider: 'openai', label: 'key 4' },
      created_at: events[4]?.occurredAt,
      read_at: null,
    });
    const page2 = (await h.app.inject({ url: `/api/v1/notifications?limit=2&cursor=${page1.next_cursor}`, headers: alice })).json();
    const page3 = (await h.app.inject({ url: `/api/v1/notifications?limit=2&cursor=${page2.next_cursor}`, headers: alice })).json();
    expect([...page2.notifications, ...page3.notifications].map((n: { id: string }) => n.id)).toEqual([events[2]?.id, events[1]?.id, events[0]?.id]);
    expect(page3.next_cursor).toBeNull();

    const read = await h.app.inject({ method: 'POST', url: `/api/v1/notifications/${events[4]?.id}/read`, headers: alice });
    expect(read.statusCode).toBe(200);
    const readAt = read.json().read_at;
    expect(readAt).toEqual(expect.any(String));
    // Idempotent: the first read time stays.
    expect((await h.app.inject({ method: 'POST', url: `/api/v1/notifications/${events[4]?.id}/read`, headers: alice })).json().read_at).toBe(readAt);
    const unread = (await h.app.inject({ url: '/api/v1/notifications?unread=true', headers: alice })).json();
    expect(unread.unread_count).toBe(4);
    expect(unread.notifications.map((n: { id: string }) => n.id)).not.toContain(events[4]?.id);

    expect((await h.app.inject({ method: 'POST', url: '/api/v1/notifications/read-all', headers: alice })).json()).toEqual({ marked: 4 });
    expect((await h.app.inject({ url: '/api/v1/notifications?unread=true', headers: alice })).json()).toEqual({ notifications: [], unread_count: 0, next_cursor: null });
  });

  it("answers 404 for another user's notification and never lists it", async () => {
    const [event] = await deliver(h, 'carol', 1);
    const res = await h.app.inject({ method: 'POST', url: `/api/v1/notifications/${event?.id}/read`, headers: bob });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
    expect((await h.app.inject({ url: '/api/v1/notifications', headers: bob })).json().notifications).toEqual([]);
    expect(await h.db.sql('SELECT read_at FROM notifications WHERE id = $1', [event?.id])).toEqual([{ read_at: null }]);
    expect((await h.app.inject({ method: 'POST', url: '/api/v1/notifications/read-all', headers: bob })).json()).toEqual({ marked: 0 });
    expect(await h.db.sql('SELECT read_at FROM notifications WHERE id = $1', [event?.id])).toEqual([{ read_at: null }]);
  });

  it('refuses bad input with a 400 naming it, and no sign-in with a 401', async () => {
    const cases: Array<{ method?: 'GET' | 'POST' | 'PUT'; url: string; payload?: unknown }> = [
      { url: '/api/v1/notifications?cursor=bm90LWEtY3Vyc29y' },
      { url: `/api/v1/notifications?cursor=${Buffer.from('n1:2026-13-01T00:00:00.000Z:00000000-0000-0000-0000-000000000000').toString('base64url')}` },
      { url: '/api/v1/notifications?limit=0' },
      { url: '/api/v1/notifications?limit=101' },
      { url: '/api/v1/notifications?unread=maybe' },
      { url: '/api/v1/notifications?sort=asc' },
      { method: 'POST', url: '/api/v1/notifications/not-a-uuid/read' },
      { method: 'PUT', url: '/api/v1/notifications/preferences', payload: {} },
      { method: 'PUT', url: '/api/v1/notifications/preferences', payload: { events: {} } },
      { method: 'PUT', url: '/api/v1/notifications/preferences', payload: { events: { key_teleported: { email: true } } } },
      { method: 'PUT', url: '/api/v1/notifications/preferences', payload: { events: { key_invalid: { sms: true } } } },
      { method: 'PUT', url: '/api/v1/notifications/preferences', payload: { events: { key_invalid: { email: 'yes' } } } },
      { method: 'PUT', url: '/api/v1/notifications/preferences', payload: { events: { key_invalid: {} } } },
    ];
    for (const c of cases) {
      const res = await h.app.inject({ method: c.method ?? 'GET', url: c.url, headers: alice, ...(c.payload === undefined ? {} : { payload: c.payload as object }) });
      expect(res.statusCode, `${c.method ?? 'GET'} ${c.url} ${JSON.stringify(c.payload)}`).toBe(400);
      expect(res.json().error.code).toMatch(/^(validation_failed|bad_request)$/);
    }
    for (const url of ['/api/v1/notifications', '/api/v1/notifications/preferences']) expect((await h.app.inject({ url })).statusCode).toBe(401);
  });

  it('reads the defaults and stores only the changes named', async () => {
    const defaults = (await h.app.inject({ url: '/api/v1/notifications/preferences', headers: bob })).json().events;
    expect(defaults.key_invalid).toEqual({ in_page: true, email: true, webhook: true });
    expect(defaults.key_recovered).toEqual({ in_page: true, email: false, webhook: true });
    expect(defaults.budget_exceeded.email).toBe(true);
    const put = await h.app.inject({ method: 'PUT', url: '/api/v1/notifications/preferences', headers: bob, payload: { events: { key_invalid: { email: false }, key_rotation_due: { email: true } } } });
    expect(put.statusCode).toBe(200);
    expect(put.json().events.key_invalid).toEqual({ in_page: true, email: false, webhook: true });
    const again = await h.app.inject({ method: 'PUT', url: '/api/v1/notifications/preferences', headers: bob, payload: { events: { key_invalid: { webhook: false } } } });
    expect(again.json().events.key_invalid).toEqual({ in_page: true, email: false, webhook: false });
    expect(again.json().events.key_rotation_due).toEqual({ in_page: true, email: true, webhook: true });
    expect(await h.db.sql('SELECT channels FROM notification_preferences WHERE user_id = $1', ['bob'])).toEqual([
      { channels: { key_invalid: { email: false, webhook: false }, key_rotation_due: { email: true } } },
    ]);
    // Another user's choices are their own.
    expect((await h.app.inject({ url: '/api/v1/notifications/preferences', headers: alice })).json().events.key_invalid.email).toBe(true);
  });

  it("stores the address from the token's email claim after the response, and not an unverified one", async () => {
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuer(h.config.auth.issuer).setAudience('byok-gateway').setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(TEST_JWT_SECRET));
    const dana = { authorization: `Bearer ${await sign({ sub: 'dana', email: 'dana@example.test' })}` };
    const erin = { authorization: `Bearer ${await sign({ sub: 'erin', email: 'erin@example.test', email_verified: false })}` };
    expect((await h.app.inject({ url: '/api/v1/notifications', headers: dana })).statusCode).toBe(200);
    expect((await h.app.inject({ url: '/api/v1/notifications', headers: erin })).statusCode).toBe(200);
    await waitUntil(async () => (await h.db.sql("SELECT 1 FROM notification_recipients WHERE user_id = 'dana'")).length === 1, 5000, "dana's address");
    const danaNew = { authorization: `Bearer ${await sign({ sub: 'dana', email: 'dana@new.example.test' })}` };
    await h.app.inject({ url: '/api/v1/notifications', headers: danaNew });
    await waitUntil(async () => (await h.db.sql("SELECT email FROM notification_recipients WHERE user_id = 'dana'"))[0]?.email === 'dana@new.example.test', 5000, "dana's new address");
    expect(await h.db.sql("SELECT 1 FROM notification_recipients WHERE user_id = 'erin'")).toEqual([]);
  });

  it("tells the owner when an administrator disables their key (key_auto_disabled), not when they disable it themselves", async () => {
    const frank = { authorization: `Bearer ${await h.token('frank')}` };
    const admin = { authorization: `Bearer ${await h.token('root', { admin: true })}` };
    const saved = await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: frank, payload: { provider: 'groq', api_key: FAKE_KEYS.groq, label: 'prod-pool-2' } });
    const keyId = saved.json().id as string;
    await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys/groq/toggle?label=prod-pool-2', headers: frank, payload: { enabled: false } });
    await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys/groq/toggle?label=prod-pool-2', headers: frank, payload: { enabled: true } });
    expect(await h.db.sql("SELECT type FROM notification_outbox WHERE user_id = 'frank'")).toEqual([]);
    const disabled = await h.app.inject({ method: 'POST', url: `/api/v1/admin/byok/keys/${keyId}/disable`, headers: admin, payload: { reason: 'leaked in a public repo' } });
    expect(disabled.statusCode).toBe(200);
    const rows = await h.db.sql<{ type: string; payload: { message: string; subject: { keyId: string } } }>("SELECT type, payload FROM notification_outbox WHERE user_id = 'frank'");
    expect(rows).toEqual([{ type: 'key_auto_disabled', payload: expect.objectContaining({ subject: expect.objectContaining({ keyId }) }) }]);
    expect(rows[0]?.payload.message).toContain('leaked in a public repo');
    // The key is named as its owner knows it: provider and label.
    expect(rows[0]?.payload.subject).toEqual({ kind: 'key', keyId, provider: 'groq', label: 'prod-pool-2' });
    expect(rows[0]?.payload.message).toMatch(/^Your groq \(prod-pool-2\) key was disabled by the service: an administrator disabled it \(leaked in a public repo\)/);
    expect(JSON.stringify(rows)).not.toContain(FAKE_KEYS.groq);
  });
});
