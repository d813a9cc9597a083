import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { bearerOf, createOrg, listenForKeyChanges, type Headers } from './support/org-fixtures.js';

describe('organizations API: the happy paths', () => {
  let h: ApiHarness;
  let olga: Headers;
  let adam: Headers;
  let mia: Headers;
  beforeAll(async () => {
    h = await startApiHarness('orgs_happy');
    olga = await bearerOf(h, 'olga-owner');
    adam = await bearerOf(h, 'adam-admin');
    mia = await bearerOf(h, 'mia-member');
  });
  afterAll(() => h.close());

  it('creates an organization whose creator is its owner, with the default policies, and audits it', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/orgs', headers: olga, payload: { name: 'Acme Research' } });
    expect(res.statusCode, res.body).toBe(201);
    const org = res.json();
    expect(org).toEqual({ id: expect.any(String), name: 'Acme Research', role: 'owner', member_keys: 'prefer', platform_fallback: 'allow', created_at: expect.any(String) });
    const list = await h.app.inject({ url: '/api/v1/orgs', headers: olga });
    expect(list.json().orgs).toEqual([org]);
    const [audit] = await h.db.sql<{ action: string; org_id: string; actor_id: string; subject_user_id: string }>("SELECT action, org_id, actor_id, subject_user_id FROM audit_log WHERE action = 'org.created'");
    expect(audit).toEqual({ action: 'org.created', org_id: org.id, actor_id: 'olga-owner', subject_user_id: `org:${org.id}` });
  });

  it('adds members with roles, lists them owners first, and shows each member the org with their own role', async () => {
    const id = await createOrg(h, olga, 'Members Inc', { 'adam-admin': 'admin', 'mia-member': 'member' });
    const members = await h.app.inject({ url: `/api/v1/orgs/${id}/members`, headers: mia });
    expect(members.statusCode).toBe(200);
    expect(members.json().members.map((m: { user_id: string; role: string; source: string; added_by: string }) => [m.user_id, m.role, m.source, m.added_by])).toEqual([
      ['olga-owner', 'owner', 'api', 'olga-owner'],
      ['adam-admin', 'admin', 'api', 'olga-owner'],
      ['mia-member', 'member', 'api', 'olga-owner'],
    ]);
    const detail = await h.app.inject({ url: `/api/v1/orgs/${id}`, headers: mia });
    expect(detail.json()).toMatchObject({ id, name: 'Members Inc', role: 'member', members: expect.arrayContaining([expect.objectContaining({ user_id: 'mia-member' })]) });
    expect((await h.app.inject({ url: '/api/v1/orgs', headers: adam })).json().orgs).toEqual([expect.objectContaining({ id, role: 'admin' })]);
    const audits = await h.db.sql<{ action: string; subject_user_id: string }>('SELECT action, subject_user_id FROM audit_log WHERE org_id = $1 ORDER BY id', [id]);
    expect(audits.map((a) => `${a.action} ${a.subject_user_id}`)).toEqual([`org.created org:${id}`, 'org.member_added adam-admin', 'org.member_added mia-member']);
  });

  it('answers 200 with the member when the same add is retried', async () => {
    const id = await createOrg(h, olga, 'Retry Co', { 'mia-member': 'member' });
    const again = await h.app.inject({ method: 'POST', url: `/api/v1/orgs/${id}/members`, headers: olga, payload: { user_id: 'mia-member' } });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toMatchObject({ user_id: 'mia-member', role: 'member' });
  });

  it('lets an admin change settings and roles, audits each change with before and after, and announces them', async () => {
    const id = await createOrg(h, olga, 'Settings Ltd', { 'adam-admin': 'admin', 'mia-member': 'member' });
    const heard = await listenForKeyChanges(h);
    try {
      const patched = await h.app.inject({ method: 'PATCH', url: `/api/v1/orgs/${id}`, headers: adam, payload: { name: 'Settings Ltd.', member_keys: 'forbid', platform_fallback: 'never' } });
      expect(patched.statusCode, patched.body).toBe(200);
      expect(patched.json()).toMatchObject({ id, name: 'Settings Ltd.', role: 'admin', member_keys: 'forbid', platform_fallback: 'never' });
      const promoted = await h.app.inject({ method: 'PATCH', url: `/api/v1/orgs/${id}/members/mia-member`, headers: adam, payload: { role: 'admin' } });
      expect(promoted.statusCode, promoted.body).toBe(200);
      expect(promoted.json()).toMatchObject({ user_id: 'mia-member', role: 'admin' });
      await expect.poll(() => heard.messages, { timeout: 5_000 }).toEqual(expect.arrayContaining([`org:${id}`, 'mia-member']));
    } finally {
      await heard.close();
    }
    const [updated] = await h.db.sql<{ details: Record<string, unknown>; actor_id: string }>("SELECT details, actor_id FROM audit_log WHERE org_id = $1 AND action = 'org.updated'", [id]);
    expect(updated).toEqual({
      actor_id: 'adam-admin',
      details: { name: { from: 'Settings Ltd', to: 'Settings Ltd.' }, member_keys: { from: 'prefer', to: 'forbid' }, platform_fallback: { from: 'allow', to: 'never' } },
    });
    const [changed] = await h.db.sql<{ details: Record<string, unknown> }>("SELECT details FROM audit_log WHERE org_id = $1 AND action = 'org.member_role_changed'", [id]);
    expect(changed?.details).toEqual({ role: { from: 'member', to: 'admin' } });
  });

  it('lets a member leave and an owner hand over ownership before leaving', async () => {
    const id = await createOrg(h, olga, 'Handover GmbH', { 'adam-admin': 'admin', 'mia-member': 'member' });
    const heard = await listenForKeyChanges(h);
    try {
      expect((await h.app.inject({ method: 'DELETE', url: `/api/v1/orgs/${id}/members/mia-member`, headers: mia })).statusCode).toBe(204);
      // The proxies drop every route they cached for her, so her use of the org's keys stops at once.
      await expect.poll(() => heard.messages, { timeout: 5_000 }).toContain('mia-member');
    } finally {
      await heard.close();
    }
    expect((await h.app.inject({ url: `/api/v1/orgs/${id}`, headers: mia })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'PATCH', url: `/api/v1/orgs/${id}/members/adam-admin`, headers: olga, payload: { role: 'owner' } })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'DELETE', url: `/api/v1/orgs/${id}/members/olga-owner`, headers: olga })).statusCode).toBe(204);
    const members = (await h.app.inject({ url: `/api/v1/orgs/${id}/members`, headers: adam })).json().members;
    expect(members).toEqual([expect.objectContaining({ user_id: 'adam-admin', role: 'owner' })]);
    const [left] = await h.db.sql<{ details: Record<string, unknown> }>("SELECT details FROM audit_log WHERE org_id = $1 AND action = 'org.member_removed' AND subject_user_id = 'mia-member'", [id]);
    expect(left?.details).toEqual({ role: 'member', left: true, tokens_revoked: 0 });
  });
});
