import { hashGatewayToken } from '@byok/auth';
import { findGatewayTokenByHash } from '@byok/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { bearerOf, codeOf, createOrg, listenForKeyChanges, type Headers } from './support/org-fixtures.js';

describe('gateway tokens for an organization', () => {
  let h: ApiHarness;
  let owner: Headers;
  let member: Headers;
  let outsider: Headers;
  let orgId: string;
  beforeAll(async () => {
    h = await startApiHarness('orgs_tokens');
    owner = await bearerOf(h, 'tok-owner');
    member = await bearerOf(h, 'tok-member');
    outsider = await bearerOf(h, 'tok-outsider');
    orgId = await createOrg(h, owner, 'Token Org', { 'tok-member': 'member' });
  });
  afterAll(() => h.close());

  const createToken = (headers: Headers, payload: Record<string, unknown>) => h.app.inject({ method: 'POST', url: '/api/v1/llm/tokens', headers, payload });

  it("lets any member create a token that acts for the org: views show org_id and the proxy's lookup returns it", async () => {
    const res = await createToken(member, { name: 'team ci', org_id: orgId.toUpperCase() });
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json<{ id: string; org_id: string; token: string }>();
    expect(created.org_id).toBe(orgId);
    const listed = (await h.app.inject({ url: '/api/v1/llm/tokens', headers: member })).json().tokens;
    expect(listed).toEqual([expect.objectContaining({ id: created.id, org_id: orgId })]);
    const personal = await createToken(member, { name: 'mine' });
    expect(personal.json().org_id).toBeNull();
    const row = await findGatewayTokenByHash(h.runtime.orm.em.fork(), hashGatewayToken(created.token));
    expect(row).toMatchObject({ userId: 'tok-member', orgId });
    const [audit] = await h.db.sql<{ org_id: string | null }>("SELECT org_id FROM audit_log WHERE action = 'token.created' AND details->>'token_id' = $1", [created.id]);
    expect(audit?.org_id).toBe(orgId);
  });

  it('refuses a token for an organization the caller is not in, one that does not exist, or no id at all (404 org_not_found), and creates none', async () => {
    for (const id of [orgId, '00000000-0000-4000-8000-00000000dead', 'not-an-id', '']) {
      const res = await createToken(outsider, { name: 'sneaky', org_id: id });
      expect(res.statusCode, `${id}: ${res.body}`).toBe(404);
      expect(codeOf(res)).toBe('org_not_found');
      expect(res.json().error.details).toEqual([{ path: 'body/org_id', message: expect.any(String) }]);
    }
    expect((await h.app.inject({ url: '/api/v1/llm/tokens', headers: outsider })).json().tokens).toEqual([]);
  });

  it("revokes the org's tokens when the org is deleted, and tells the proxies at once", async () => {
    const doomed = await createOrg(h, owner, 'Doomed Token Org', { 'tok-member': 'member' });
    const created = (await createToken(member, { name: 'doomed', org_id: doomed })).json<{ token: string }>();
    const hash = hashGatewayToken(created.token);
    const changes = await listenForKeyChanges(h);
    try {
      expect((await h.app.inject({ method: 'DELETE', url: `/api/v1/orgs/${doomed}`, headers: owner })).statusCode).toBe(204);
      await expect.poll(() => changes.messages, { timeout: 5_000 }).toEqual(expect.arrayContaining([`token:${hash}`, `org:${doomed}`]));
    } finally {
      await changes.close();
    }
    expect(await findGatewayTokenByHash(h.runtime.orm.em.fork(), hash)).toBeNull();
    expect((await h.app.inject({ url: '/api/v1/llm/tokens', headers: member })).json().tokens.map((t: { org_id: string | null }) => t.org_id)).not.toContain(doomed);
  });

  it('revokes the tokens a member made for the org when they leave or are removed, and tells the proxies; their other tokens stay', async () => {
    const team = await createOrg(h, owner, 'Leaving Token Org', { 'tok-member': 'member' });
    const forTeam = (await createToken(member, { name: 'team', org_id: team })).json<{ id: string; token: string }>();
    const forOther = (await createToken(member, { name: 'other org', org_id: orgId })).json<{ id: string }>();
    const personal = (await createToken(member, { name: 'personal' })).json<{ id: string }>();
    const hash = hashGatewayToken(forTeam.token);
    const changes = await listenForKeyChanges(h);
    try {
      expect((await h.app.inject({ method: 'DELETE', url: `/api/v1/orgs/${team}/members/tok-member`, headers: member })).statusCode).toBe(204);
      await expect.poll(() => changes.messages, { timeout: 5_000 }).toEqual(expect.arrayContaining([`token:${hash}`, 'tok-member']));
    } finally {
      await changes.close();
    }
    const tokens = (await h.app.inject({ url: '/api/v1/llm/tokens', headers: member })).json<{ tokens: Array<{ id: string; revoked_at: string | null }> }>().tokens;
    const revokedAt = (id: string) => tokens.find((t) => t.id === id)?.revoked_at;
    expect(revokedAt(forTeam.id)).toEqual(expect.any(String));
    expect(revokedAt(forOther.id)).toBeNull();
    expect(revokedAt(personal.id)).toBeNull();
    const [audit] = await h.db.sql<{ details: Record<string, unknown> }>("SELECT details FROM audit_log WHERE action = 'org.member_removed' AND org_id = $1", [team]);
    expect(audit?.details).toMatchObject({ left: true, tokens_revoked: 1 });
  });
});
