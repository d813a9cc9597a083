import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { bearerOf, codeOf, createOrg, type Headers } from './support/org-fixtures.js';

interface ErrorBody {
  error: { code: string; message: string; details?: Array<{ path: string }> };
}

describe('organizations API: bad input gets a 4xx naming the field', () => {
  let h: ApiHarness;
  let owner: Headers;
  let orgId: string;
  beforeAll(async () => {
    h = await startApiHarness('orgs_error');
    owner = await bearerOf(h, 'err-owner');
    orgId = await createOrg(h, owner, 'Errors Org', { 'err-member': 'member' });
  });
  afterAll(() => h.close());

  const post = (url: string, payload: unknown) => h.app.inject({ method: 'POST', url, headers: owner, payload: payload as Record<string, unknown> });
  const patch = (url: string, payload: unknown) => h.app.inject({ method: 'PATCH', url, headers: owner, payload: payload as Record<string, unknown> });

  it.each([
    ['no name', {}, 'name'],
    ['an empty name', { name: '' }, 'name'],
    ['a blank name', { name: '   ' }, 'name'],
    ['a name of 101 characters', { name: 'n'.repeat(101) }, 'name'],
    ['a name with NUL', { name: 'a\u0000b' }, 'name'],
    ['a name with a control character', { name: 'a\u0007b' }, 'name'],
    ['a name with a lone surrogate', { name: 'a\uD800b' }, 'name'],
    ['an object for the name', { name: { first: 'a' } }, 'name'],
    ['an unknown field', { name: 'ok', owner: 'someone' }, ''],
  ])('refuses to create an organization with %s (400)', async (_label, payload, field) => {
    const res = await post('/api/v1/orgs', payload);
    expect(res.statusCode, res.body).toBe(400);
    const body = res.json<ErrorBody>();
    expect(body.error.code).toBe('validation_failed');
    expect(`${body.error.message} ${JSON.stringify(body.error.details ?? [])}`).toContain(field);
  });

  it('refuses a body too large to be a name with 413, not a 500', async () => {
    const res = await post('/api/v1/orgs', { name: 'x'.repeat(200_000) });
    expect(res.statusCode).toBe(413);
    expect(codeOf(res)).toBe('payload_too_large');
  });

  it.each([
    ['an unknown member_keys policy', { member_keys: 'always' }, 'member_keys'],
    ['an unknown platform_fallback', { platform_fallback: 'sometimes' }, 'platform_fallback'],
    ['a blank name', { name: ' ' }, 'name'],
    ['an id field', { id: '00000000-0000-4000-8000-000000000000' }, ''],
  ])('refuses a settings change with %s (400) and changes nothing', async (_label, payload, field) => {
    const res = await patch(`/api/v1/orgs/${orgId}`, payload);
    expect(res.statusCode, res.body).toBe(400);
    expect(JSON.stringify(res.json())).toContain(field);
    const org = (await h.app.inject({ url: `/api/v1/orgs/${orgId}`, headers: owner })).json();
    expect(org).toMatchObject({ name: 'Errors Org', member_keys: 'prefer', platform_fallback: 'allow' });
  });

  it.each([
    ['no user_id', { role: 'member' }, 'user_id'],
    ['an unknown role', { user_id: 'u1', role: 'superuser' }, 'role'],
    ['a user id of 256 characters', { user_id: 'u'.repeat(256) }, 'user_id'],
    ['a blank user id', { user_id: '  ' }, 'user_id'],
  ])('refuses to add a member with %s (400)', async (_label, payload, field) => {
    const res = await post(`/api/v1/orgs/${orgId}/members`, payload);
    expect(res.statusCode, res.body).toBe(400);
    expect(JSON.stringify(res.json())).toContain(field);
  });

  it('answers 409 when the user is already a member with another role, and keeps their role', async () => {
    const res = await post(`/api/v1/orgs/${orgId}/members`, { user_id: 'err-member', role: 'admin' });
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json<ErrorBody>().error).toMatchObject({ code: 'conflict', details: [{ path: 'body/user_id' }] });
    const members = (await h.app.inject({ url: `/api/v1/orgs/${orgId}/members`, headers: owner })).json().members;
    expect(members).toContainEqual(expect.objectContaining({ user_id: 'err-member', role: 'member' }));
  });

  it('answers 404 not_found for a member that is not in the organization', async () => {
    for (const method of ['PATCH', 'DELETE'] as const) {
      const res = await h.app.inject({ method, url: `/api/v1/orgs/${orgId}/members/nobody-here`, headers: owner, ...(method === 'PATCH' ? { payload: { role: 'admin' } } : {}) });
      expect(res.statusCode, res.body).toBe(404);
      expect(codeOf(res)).toBe('not_found');
    }
  });

  it('refuses a role change without a known role (400)', async () => {
    for (const payload of [{}, { role: 'root' }, { role: 'member', extra: 1 }]) {
      const res = await patch(`/api/v1/orgs/${orgId}/members/err-member`, payload);
      expect(res.statusCode, res.body).toBe(400);
    }
  });

  it('caps the organizations one user creates (409 beyond 50) and counts only theirs', async () => {
    const prolific = await bearerOf(h, 'err-prolific');
    const created = await Promise.all(Array.from({ length: 52 }, (_, i) => h.app.inject({ method: 'POST', url: '/api/v1/orgs', headers: prolific, payload: { name: `org ${i}` } })));
    expect(created.filter((r) => r.statusCode === 201)).toHaveLength(50);
    expect(created.filter((r) => r.statusCode === 409).map(codeOf)).toEqual(['conflict', 'conflict']);
    expect((await post('/api/v1/orgs', { name: 'still fine for others' })).statusCode).toBe(201);
  });
});
