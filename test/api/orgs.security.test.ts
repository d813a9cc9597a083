import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { bearerOf, codeOf, createOrg, type Headers } from './support/org-fixtures.js';

/** The answer without its request id, for comparing two answers. */
const comparable = (res: { statusCode: number; body: string }) => `${res.statusCode} ${res.body.replace(/"request_id":"[^"]*"/, '')}`;

describe('organizations API: who may do what', () => {
  let h: ApiHarness;
  let owner: Headers;
  let admin: Headers;
  let member: Headers;
  let outsider: Headers;
  beforeAll(async () => {
    h = await startApiHarness('orgs_security');
    owner = await bearerOf(h, 'sec-owner');
    admin = await bearerOf(h, 'sec-admin');
    member = await bearerOf(h, 'sec-member');
    outsider = await bearerOf(h, 'sec-outsider');
  });
  afterAll(() => h.close());

  const team = () => createOrg(h, owner, 'Security Org', { 'sec-admin': 'admin', 'sec-member': 'member' });
  const roles = async (orgId: string) =>
    Object.fromEntries(((await h.app.inject({ url: `/api/v1/orgs/${orgId}/members`, headers: owner })).json().members as Array<{ user_id: string; role: string }>).map((m) => [m.user_id, m.role]));

  it('answers a non-member exactly as for an organization that does not exist or an id that is no id (404 org_not_found)', async () => {
    const orgId = await team();
    await createOrg(h, outsider, 'Outsider Org');
    const requests = [
      { method: 'GET' as const, path: '' },
      { method: 'PATCH' as const, path: '', payload: { name: 'taken over' } },
      { method: 'DELETE' as const, path: '' },
      { method: 'GET' as const, path: '/members' },
      { method: 'POST' as const, path: '/members', payload: { user_id: 'sec-outsider', role: 'owner' } },
      { method: 'PATCH' as const, path: '/members/sec-member', payload: { role: 'owner' } },
      { method: 'DELETE' as const, path: '/members/sec-member' },
    ];
    for (const { method, path, payload } of requests) {
      const theirs = await h.app.inject({ method, url: `/api/v1/orgs/${orgId}${path}`, headers: outsider, ...(payload ? { payload } : {}) });
      expect(theirs.statusCode, `${method} ${path}: ${theirs.body}`).toBe(404);
      expect(codeOf(theirs)).toBe('org_not_found');
      for (const other of ['00000000-0000-4000-8000-00000000dead', 'not-an-id', orgId.toUpperCase().replace(/.$/, '0')]) {
        const none = await h.app.inject({ method, url: `/api/v1/orgs/${encodeURIComponent(other)}${path}`, headers: outsider, ...(payload ? { payload } : {}) });
        expect(comparable(none), `${method} ${path} for ${other}`).toBe(comparable(theirs));
      }
    }
    expect(await roles(orgId)).toEqual({ 'sec-owner': 'owner', 'sec-admin': 'admin', 'sec-member': 'member' });
    expect((await h.app.inject({ url: '/api/v1/orgs', headers: outsider })).json().orgs.map((o: { name: string }) => o.name)).toEqual(['Outsider Org']);
  });

  it('lets a member read but not manage (403 org_role_required), whatever the body', async () => {
    const orgId = await team();
    const attempts = [
      { method: 'PATCH' as const, url: `/api/v1/orgs/${orgId}`, payload: { member_keys: 'allow' } },
      { method: 'PATCH' as const, url: `/api/v1/orgs/${orgId}`, payload: { bogus: true } },
      { method: 'DELETE' as const, url: `/api/v1/orgs/${orgId}` },
      { method: 'POST' as const, url: `/api/v1/orgs/${orgId}/members`, payload: { user_id: 'friend', role: 'member' } },
      { method: 'PATCH' as const, url: `/api/v1/orgs/${orgId}/members/sec-member`, payload: { role: 'admin' } },
      { method: 'DELETE' as const, url: `/api/v1/orgs/${orgId}/members/sec-admin` },
    ];
    for (const attempt of attempts) {
      const res = await h.app.inject({ ...attempt, headers: member });
      expect(res.statusCode, `${attempt.method} ${attempt.url}: ${res.body}`).toBe(403);
      expect(codeOf(res)).toBe('org_role_required');
    }
    expect((await h.app.inject({ url: `/api/v1/orgs/${orgId}`, headers: member })).statusCode).toBe(200);
    expect(await roles(orgId)).toEqual({ 'sec-owner': 'owner', 'sec-admin': 'admin', 'sec-member': 'member' });
  });

  it('lets an admin manage members but not owners, and not delete the organization', async () => {
    const orgId = await team();
    const attempts = [
      { method: 'DELETE' as const, url: `/api/v1/orgs/${orgId}` },
      { method: 'DELETE' as const, url: `/api/v1/orgs/${orgId}/members/sec-owner` },
      { method: 'PATCH' as const, url: `/api/v1/orgs/${orgId}/members/sec-owner`, payload: { role: 'member' } },
      { method: 'PATCH' as const, url: `/api/v1/orgs/${orgId}/members/sec-member`, payload: { role: 'owner' } },
      { method: 'PATCH' as const, url: `/api/v1/orgs/${orgId}/members/sec-admin`, payload: { role: 'owner' } },
      { method: 'POST' as const, url: `/api/v1/orgs/${orgId}/members`, payload: { user_id: 'new-owner', role: 'owner' } },
    ];
    for (const attempt of attempts) {
      const res = await h.app.inject({ ...attempt, headers: admin });
      expect(res.statusCode, `${attempt.method} ${attempt.url}: ${res.body}`).toBe(403);
      expect(codeOf(res)).toBe('org_role_required');
    }
    expect(await roles(orgId)).toEqual({ 'sec-owner': 'owner', 'sec-admin': 'admin', 'sec-member': 'member' });
    expect((await h.app.inject({ method: 'POST', url: `/api/v1/orgs/${orgId}/members`, headers: admin, payload: { user_id: 'new-member' } })).statusCode).toBe(201);
    expect((await h.app.inject({ method: 'DELETE', url: `/api/v1/orgs/${orgId}/members/new-member`, headers: admin })).statusCode).toBe(204);
  });

  it('never lets the last owner be demoted, removed or leave (409 last_owner)', async () => {
    const orgId = await team();
    const demote = await h.app.inject({ method: 'PATCH', url: `/api/v1/orgs/${orgId}/members/sec-owner`, headers: owner, payload: { role: 'admin' } });
    expect(demote.statusCode, demote.body).toBe(409);
    expect(codeOf(demote)).toBe('last_owner');
    const leave = await h.app.inject({ method: 'DELETE', url: `/api/v1/orgs/${orgId}/members/sec-owner`, headers: owner });
    expect(leave.statusCode).toBe(409);
    expect(codeOf(leave)).toBe('last_owner');
    expect(await roles(orgId)).toMatchObject({ 'sec-owner': 'owner' });
  });

  it('keeps an owner when two owners demote each other, or themselves, at the same moment', async () => {
    const second = await bearerOf(h, 'sec-owner-2');
    for (let round = 0; round < 6; round++) {
      const orgId = await createOrg(h, owner, `Race ${round}`, { 'sec-owner-2': 'owner' });
      const selves = round % 2 === 0;
      const [a, b] = await Promise.all([
        h.app.inject({ method: 'PATCH', url: `/api/v1/orgs/${orgId}/members/${selves ? 'sec-owner' : 'sec-owner-2'}`, headers: owner, payload: { role: 'member' } }),
        h.app.inject({ method: 'PATCH', url: `/api/v1/orgs/${orgId}/members/${selves ? 'sec-owner-2' : 'sec-owner'}`, headers: second, payload: { role: 'member' } }),
      ]);
      expect([a.statusCode, b.statusCode].sort(), `${a.body} ${b.body}`).toEqual([200, selves ? 409 : 403]);
      const owners = Object.values(await roles(orgId)).filter((r) => r === 'owner');
      expect(owners).toHaveLength(1);
    }
  });

  it('keeps an owner when the last two owners leave at the same moment', async () => {
    const second = await bearerOf(h, 'sec-owner-2');
    const orgId = await createOrg(h, owner, 'Leaving race', { 'sec-owner-2': 'owner' });
    const results = await Promise.all([
      h.app.inject({ method: 'DELETE', url: `/api/v1/orgs/${orgId}/members/sec-owner`, headers: owner }),
      h.app.inject({ method: 'DELETE', url: `/api/v1/orgs/${orgId}/members/sec-owner-2`, headers: second }),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([204, 409]);
    const [rows] = await h.db.sql<{ count: string }>("SELECT count(*) AS count FROM byok_org_members WHERE org_id = $1 AND role = 'owner'", [orgId]);
    expect(Number(rows?.count)).toBe(1);
  });

  it.each([
    ['an org: user id', 'org:00000000-0000-4000-8000-000000000000'],
    ['a user id with NUL', 'a\u0000b'],
    ['a user id with a lone surrogate', 'a\uD800b'],
  ])('refuses to add %s as a member (400) and adds nobody', async (_label, userId) => {
    const orgId = await team();
    const res = await h.app.inject({ method: 'POST', url: `/api/v1/orgs/${orgId}/members`, headers: owner, payload: { user_id: userId } });
    expect(res.statusCode, res.body).toBe(400);
    expect(JSON.stringify(res.json())).toContain('user_id');
    expect(Object.keys(await roles(orgId))).toHaveLength(3);
  });

  it.each([
    ['an org: user id', `org%3A${'0'.repeat(8)}`],
    ['a user id with NUL', 'a%00b'],
    ['a user id with a lone surrogate (invalid UTF-8)', 'a%ED%A0%80b'],
  ])('refuses %s in the path of a member route (400)', async (_label, encoded) => {
    const orgId = await team();
    for (const method of ['PATCH', 'DELETE'] as const) {
      const res = await h.app.inject({ method, url: `/api/v1/orgs/${orgId}/members/${encoded}`, headers: owner, ...(method === 'PATCH' ? { payload: { role: 'admin' } } : {}) });
      expect(res.statusCode, `${method}: ${res.body}`).toBe(400);
    }
  });

  it('refuses huge names and user ids with 400, and never answers 500 to odd organization ids', async () => {
    const orgId = await team();
    expect((await h.app.inject({ method: 'POST', url: '/api/v1/orgs', headers: owner, payload: { name: '🚀'.repeat(101) } })).statusCode).toBe(400);
    expect((await h.app.inject({ method: 'PATCH', url: `/api/v1/orgs/${orgId}`, headers: owner, payload: { name: 'x'.repeat(5_000) } })).statusCode).toBe(400);
    expect((await h.app.inject({ method: 'POST', url: `/api/v1/orgs/${orgId}/members`, headers: owner, payload: { user_id: 'u'.repeat(10_000) } })).statusCode).toBe(400);
    for (const id of ['%00', '%ED%A0%80', 'x'.repeat(99), '..%2F..', `${orgId}%00`, ' ']) {
      const res = await h.app.inject({ url: `/api/v1/orgs/${id}`, headers: owner });
      expect(res.statusCode, `${id}: ${res.body}`).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, `${id}: ${res.body}`).toBeLessThan(500);
    }
  });

  it('stops a removed member at once, and the member list is the only trace of who was in', async () => {
    const orgId = await team();
    expect((await h.app.inject({ method: 'DELETE', url: `/api/v1/orgs/${orgId}/members/sec-member`, headers: admin })).statusCode).toBe(204);
    const res = await h.app.inject({ url: `/api/v1/orgs/${orgId}/members`, headers: member });
    expect(res.statusCode).toBe(404);
    expect(codeOf(res)).toBe('org_not_found');
    const token = await h.app.inject({ method: 'POST', url: '/api/v1/llm/tokens', headers: member, payload: { name: 'sneaky', org_id: orgId } });
    expect(token.statusCode).toBe(404);
    expect(codeOf(token)).toBe('org_not_found');
  });

  it('does not make platform administrators members of organizations', async () => {
    const orgId = await team();
    const platformAdmin = { authorization: `Bearer ${await h.token('platform-admin', { admin: true })}` };
    const res = await h.app.inject({ url: `/api/v1/orgs/${orgId}`, headers: platformAdmin });
    expect(res.statusCode).toBe(404);
  });
});
