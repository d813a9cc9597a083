import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, TEST_JWT_SECRET, type ApiHarness } from '../support/api-harness.js';
import { listenForKeyChanges } from './support/org-fixtures.js';

/**
 * AUTH_ORG_CLAIM: the organizations a token lists are recorded on first sight (organization by
 * its claim name, membership as `member` from `claim`), so admins can list members; a changed
 * claim is applied; an unchanged one is not written again.
 */
describe('organizations from a token claim (AUTH_ORG_CLAIM)', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness('orgs_claim', { env: { AUTH_ORG_CLAIM: 'organization' } });
  });
  afterAll(() => h.close());

  async function bearer(userId: string, organization: unknown): Promise<Record<string, string>> {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ roles: [], ...(organization === undefined ? {} : { organization }) })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(h.config.auth.issuer)
      .setAudience('byok-gateway')
      .setSubject(userId)
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    return { authorization: `Bearer ${token}` };
  }
  const myOrgs = async (headers: Record<string, string>) => (await h.app.inject({ url: '/api/v1/orgs', headers })).json().orgs as Array<{ id: string; name: string; role: string }>;

  it('records the organizations and memberships of an array claim and of Keycloak\'s object claim on first sight', async () => {
    const changes = await listenForKeyChanges(h);
    try {
      // Recorded by one statement, the two share a creation time, so their order is not asserted.
      expect((await myOrgs(await bearer('claim-ann', ['acme', 'globex']))).map((o) => [o.name, o.role]).sort()).toEqual([
        ['acme', 'member'],
        ['globex', 'member'],
      ]);
      await expect.poll(() => changes.messages, { timeout: 5_000 }).toContain('claim-ann');
    } finally {
      await changes.close();
    }
    const keycloak = await myOrgs(await bearer('claim-ben', { acme: { id: 'kc-1' } }));
    expect(keycloak.map((o) => o.name)).toEqual(['acme']);
    const orgs = await h.db.sql<{ external_id: string }>('SELECT external_id FROM byok_orgs ORDER BY external_id');
    expect(orgs.map((o) => o.external_id)).toEqual(['acme', 'globex']);
    const members = await h.db.sql<{ user_id: string; role: string; source: string }>(
      "SELECT m.user_id, m.role, m.source FROM byok_org_members m JOIN byok_orgs o ON o.id = m.org_id WHERE o.external_id = 'acme' ORDER BY m.user_id",
    );
    expect(members).toEqual([
      { user_id: 'claim-ann', role: 'member', source: 'claim' },
      { user_id: 'claim-ben', role: 'member', source: 'claim' },
    ]);
    const acmeId = keycloak[0]?.id ?? '';
    const listed = await h.app.inject({ url: `/api/v1/orgs/${acmeId}/members`, headers: await bearer('claim-ben', { acme: {} }) });
    expect(listed.json().members.map((m: { user_id: string; source: string }) => `${m.user_id}/${m.source}`)).toEqual(['claim-ann/claim', 'claim-ben/claim']);
    const audits = await h.db.sql<{ action: string; actor_type: string }>("SELECT action, actor_type FROM audit_log WHERE org_id = $1 AND action = 'org.member_added'", [acmeId]);
    expect(audits).toHaveLength(2);
  });

  it('writes nothing for a claim it already recorded, and applies a changed claim', async () => {
    const headers = await bearer('claim-cid', ['initech']);
    expect((await myOrgs(headers)).map((o) => o.name)).toEqual(['initech']);
    // Removed behind the recorder's back: the same claim again is not written again (no write per request)...
    await h.db.sql("DELETE FROM byok_org_members WHERE user_id = 'claim-cid'");
    expect(await myOrgs(headers)).toEqual([]);
    expect(await myOrgs(await bearer('claim-cid', ['initech']))).toEqual([]);
    // ...while a claim that differs is applied: the new organization joined, the dropped ones left.
    expect((await myOrgs(await bearer('claim-cid', ['initech', 'umbrella']))).map((o) => o.name).sort()).toEqual(['initech', 'umbrella']);
    expect((await myOrgs(await bearer('claim-cid', ['umbrella']))).map((o) => o.name)).toEqual(['umbrella']);
  });

  it('removes only claim memberships when the claim drops an organization; memberships added through the API stay', async () => {
    const creator = await bearer('claim-dora', []);
    const created = await h.app.inject({ method: 'POST', url: '/api/v1/orgs', headers: creator, payload: { name: 'Dora API Org' } });
    expect(created.statusCode).toBe(201);
    const withHooli = await bearer('claim-dora', ['hooli']);
    const hooli = (await myOrgs(withHooli)).find((o) => o.name === 'hooli');
    expect((await myOrgs(withHooli)).map((o) => o.name).sort()).toEqual(['Dora API Org', 'hooli']);
    // A token made to act for the claim organization goes with the membership; one for the API-made org stays.
    const tokenFor = async (orgId: string | undefined) => (await h.app.inject({ method: 'POST', url: '/api/v1/llm/tokens', headers: withHooli, payload: { name: 'ci', org_id: orgId } })).json<{ id: string }>().id;
    const hooliToken = await tokenFor(hooli?.id);
    const apiOrgToken = await tokenFor(created.json<{ id: string }>().id);
    expect((await myOrgs(await bearer('claim-dora', undefined))).map((o) => o.name)).toEqual(['Dora API Org']);
    const [left] = await h.db.sql<{ count: string }>("SELECT count(*) AS count FROM audit_log WHERE action = 'org.member_removed' AND subject_user_id = 'claim-dora'");
    expect(Number(left?.count)).toBe(1);
    const revoked = await h.db.sql<{ id: string; revoked: boolean }>('SELECT id, revoked_at IS NOT NULL AS revoked FROM gateway_tokens WHERE user_id = $1', ['claim-dora']);
    expect(Object.fromEntries(revoked.map((t) => [t.id, t.revoked]))).toEqual({ [hooliToken]: true, [apiOrgToken]: false });
  });

  it('ignores claims of any other shape and unusable names, and still serves the request', async () => {
    for (const claim of [42, true, [['nested']], [{ name: 'obj' }], ['', 'bad\u0000nul', 'x'.repeat(300)], null]) {
      const res = await h.app.inject({ url: '/api/v1/orgs', headers: await bearer('claim-eve', claim) });
      expect(res.statusCode, JSON.stringify(claim)).toBe(200);
      expect(res.json().orgs).toEqual([]);
    }
    const many = Array.from({ length: 80 }, (_, i) => `bulk-${String(i).padStart(2, '0')}`);
    expect(await myOrgs(await bearer('claim-eve', many))).toHaveLength(50);
    // Claim organizations do not count against the organizations a user may create.
    const created = await h.app.inject({ method: 'POST', url: '/api/v1/orgs', headers: await bearer('claim-eve', many), payload: { name: 'eve made this' } });
    expect(created.statusCode, created.body).toBe(201);
  });

  it('gives a claim organization its first owner through the platform admin route, which users cannot call', async () => {
    const [org] = await myOrgs(await bearer('claim-erin', ['wayne']));
    const orgId = org?.id ?? '';
    expect(org?.role).toBe('member');
    const url = `/api/v1/admin/byok/orgs/${orgId}/members/claim-erin`;
    expect((await h.app.inject({ method: 'PUT', url, headers: await bearer('claim-erin', ['wayne']), payload: { role: 'owner' } })).statusCode).toBe(403);
    const admin = { authorization: `Bearer ${await h.token('platform-admin', { admin: true })}` };
    const promoted = await h.app.inject({ method: 'PUT', url, headers: admin, payload: { role: 'owner' } });
    expect(promoted.statusCode, promoted.body).toBe(200);
    expect(promoted.json()).toMatchObject({ user_id: 'claim-erin', role: 'owner' });
    // The new owner manages the organization like any owner.
    const renamed = await h.app.inject({ method: 'PATCH', url: `/api/v1/orgs/${orgId}`, headers: await bearer('claim-erin', ['wayne']), payload: { member_keys: 'forbid' } });
    expect(renamed.statusCode, renamed.body).toBe(200);
    const added = await h.app.inject({ method: 'PUT', url: `/api/v1/admin/byok/orgs/${orgId}/members/claim-fred`, headers: admin, payload: { role: 'admin' } });
    expect(added.statusCode).toBe(201);
    const lastOwner = await h.app.inject({ method: 'PUT', url, headers: admin, payload: { role: 'member' } });
    expect(lastOwner.statusCode).toBe(409);
    expect(lastOwner.json().error.code).toBe('last_owner');
    const unknown = await h.app.inject({ method: 'PUT', url: `/api/v1/admin/byok/orgs/${randomUUID()}/members/claim-erin`, headers: admin, payload: { role: 'owner' } });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('org_not_found');
    const audits = await h.db.sql<{ action: string; actor_id: string }>("SELECT action, actor_id FROM audit_log WHERE org_id = $1 AND details ? 'by_platform_admin' ORDER BY id", [orgId]);
    expect(audits).toEqual([
      { action: 'org.member_role_changed', actor_id: 'platform-admin' },
      { action: 'org.member_added', actor_id: 'platform-admin' },
    ]);
  });
});
