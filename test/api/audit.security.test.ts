import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '@byok/db';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';

describe('audit API: authentication and isolation', () => {
  let h: ApiHarness;
  let alice: Record<string, string>;
  let bobIds: string[];
  beforeAll(async () => {
    h = await startApiHarness('audit_security');
    alice = { authorization: `Bearer ${await h.token('alice')}` };
    const em = h.db.orm.em.fork();
    await appendAudit(em, { actorId: 'alice', actorType: 'user', action: 'key.created', subjectUserId: 'alice', provider: 'openai', ip: '192.0.2.1', userAgent: 'alice-agent' });
    await appendAudit(em, { actorId: 'bob', actorType: 'user', action: 'key.created', subjectUserId: 'bob', provider: 'openai', details: { marker: 'bob-only' } });
    // An admin acting on alice's key: the record is alice's, the admin's address is not.
    await appendAudit(em, { actorId: 'root', actorType: 'admin', action: 'key.disabled', subjectUserId: 'alice', provider: 'openai', ip: '198.51.100.7', userAgent: 'admin-console' });
    await appendAudit(em, { actorId: 'bob', actorType: 'user', action: 'key.deleted', subjectUserId: 'bob', provider: 'groq', details: { marker: 'bob-only' } });
    bobIds = (await h.db.sql<{ id: string }>(`SELECT id::text AS id FROM audit_log WHERE subject_user_id = 'bob' ORDER BY id DESC`)).map((r) => r.id);
  });
  afterAll(() => h.close());

  it('refuses the route without a valid bearer token', async () => {
    for (const headers of [{}, { authorization: 'Bearer nope' }]) {
      const res = await h.app.inject({ url: '/api/v1/audit', headers });
      expect(res.statusCode).toBe(401);
    }
  });

  it("never shows alice bob's records through any parameter or format", async () => {
    const cursorAboveBob = Buffer.from(`a1:${Number(bobIds[0]) + 1}`).toString('base64url');
    const attempts = [
      '/api/v1/audit',
      '/api/v1/audit?provider=groq',
      '/api/v1/audit?action=key.deleted',
      `/api/v1/audit?cursor=${cursorAboveBob}`,
      '/api/v1/audit?format=csv',
      '/api/v1/audit?format=jsonl',
      '/api/v1/audit?limit=500&from=2000-01-01T00:00:00Z',
    ];
    for (const url of attempts) {
      const res = await h.app.inject({ url, headers: alice });
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).not.toContain('bob');
    }
  });

  it('answers 403 to a non-admin naming any user, even themselves, in any format', async () => {
    for (const url of ['/api/v1/audit?user=bob', '/api/v1/audit?user=alice', '/api/v1/audit?user=bob&format=csv']) {
      const res = await h.app.inject({ url, headers: alice });
      expect(res.statusCode, url).toBe(403);
      expect(res.json().error).toMatchObject({ code: 'forbidden', details: [{ path: 'querystring/user' }] });
    }
  });

  it("hides another actor's address and user agent from the subject, but not from admins", async () => {
    const mine = (await h.app.inject({ url: '/api/v1/audit', headers: alice })).json().items;
    expect(mine.map((r: { actor_id: string; ip: string | null; user_agent: string | null }) => [r.actor_id, r.ip, r.user_agent])).toEqual([
      ['root', null, null],
      ['alice', '192.0.2.1', 'alice-agent'],
    ]);
    const admin = { authorization: `Bearer ${await h.token('root', { admin: true })}` };
    const all = (await h.app.inject({ url: '/api/v1/audit?user=alice', headers: admin })).json().items;
    expect(all[0]).toMatchObject({ actor_id: 'root', ip: '198.51.100.7', user_agent: 'admin-console' });
  });
});
