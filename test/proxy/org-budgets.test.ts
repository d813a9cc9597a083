import { randomUUID } from 'node:crypto';
import { orgKeyOwner } from '@byok/auth';
import { upsertProviderKey } from '@byok/db';
import { fakeKey } from '@byok/mock-providers';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxyHarness, type ProxyHarness } from './support/proxy-harness.js';

/**
 * Budgets (#18) on requests made for an organization (#17): an `org` budget counts every member's
 * requests for the org, an `org_member` budget one member's, and neither counts what the member
 * does for themselves; a member's own `user` budget does not count their org requests either.
 */

let h: ProxyHarness;
beforeAll(async () => {
  h = await startProxyHarness('org_budgets');
}, 120_000);
afterAll(async () => {
  await h?.close();
});

const sql = (text: string, params: unknown[] = []) => h.api.db.sql(text, params);

async function createOrgWithKey(members: string[]): Promise<string> {
  const orgId = randomUUID();
  await sql("INSERT INTO byok_orgs (id, name, created_by) VALUES ($1, 'budget org', 'test')", [orgId]);
  for (const userId of members) await sql("INSERT INTO byok_org_members (org_id, user_id, role) VALUES ($1, $2, 'member')", [orgId, userId]);
  const owner = orgKeyOwner(orgId);
  const keyring = h.api.runtime.keyring;
  const id = randomUUID();
  const token = keyring.encrypt(fakeKey('openai', 'valid', `org-${orgId.slice(0, 8)}`));
  await upsertProviderKey(h.api.runtime.orm.em.fork(), { id, userId: owner, provider: 'openai', label: 'shared', apiKeyEncrypted: token, keyHint: 'test', binding: keyring.bind({ id, userId: owner, provider: 'openai' }, token) });
  return orgId;
}

async function budget(ownerId: string, scope: string, scopeId: string | null, requests: number): Promise<string> {
  const rows = await sql(
    `INSERT INTO budgets (owner_id, scope, scope_id, period, limit_requests, created_by) VALUES ($1, $2, $3, 'day', $4, 'test') RETURNING id`,
    [ownerId, scope, scopeId, requests],
  );
  return (rows[0] as { id: string }).id;
}

async function chat(userId: string, orgId?: string): Promise<{ status: number; code?: string; route: string }> {
  const res = await request(`${h.proxy.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await h.jwt(userId)}`, ...(orgId === undefined ? {} : { 'x-byok-org': orgId }) },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  });
  const text = await res.body.text();
  const code = res.statusCode === 200 ? undefined : (JSON.parse(text) as { error: { code: string } }).error.code;
  return { status: res.statusCode, ...(code === undefined ? {} : { code }), route: String(res.headers['x-byok-route'] ?? '') };
}

describe('budgets on requests made for an organization', () => {
  it('an org budget holds across its members, and leaves what they do for themselves alone', async () => {
    const orgId = await createOrgWithKey(['ob-ann', 'ob-ben']);
    await h.addKey('ob-ann', 'openai');
    const budgetId = await budget(orgKeyOwner(orgId), 'org', orgId, 3);
    const forOrg = [await chat('ob-ann', orgId), await chat('ob-ben', orgId), await chat('ob-ann', orgId)];
    expect(forOrg.map((r) => r.status)).toEqual([200, 200, 200]);
    const refused = await chat('ob-ben', orgId);
    expect(refused).toMatchObject({ status: 429, code: 'budget_exceeded' });
    expect(refused.route).toContain(`budget_exceeded(budget ${budgetId})`);
    // Ann's own requests, with her own key, are not the org's.
    expect((await chat('ob-ann')).status).toBe(200);
  });

  it("an org_member budget limits one member's requests for the org, not the others'", async () => {
    const orgId = await createOrgWithKey(['om-cat', 'om-dan']);
    await budget(orgKeyOwner(orgId), 'org_member', `${orgId}/om-cat`, 1);
    expect((await chat('om-cat', orgId)).status).toBe(200);
    expect(await chat('om-cat', orgId)).toMatchObject({ status: 429, code: 'budget_exceeded' });
    expect((await chat('om-dan', orgId)).status).toBe(200);
    expect((await chat('om-dan', orgId)).status).toBe(200);
  });

  it("a member's own user budget does not count their requests for the org", async () => {
    const orgId = await createOrgWithKey(['ou-eve']);
    await h.addKey('ou-eve', 'openai');
    await budget('ou-eve', 'user', null, 1);
    expect((await chat('ou-eve')).status).toBe(200);
    expect(await chat('ou-eve')).toMatchObject({ status: 429, code: 'budget_exceeded' });
    expect((await chat('ou-eve', orgId)).status).toBe(200);
    expect((await chat('ou-eve', orgId)).status).toBe(200);
  });

  it("a non-member naming an org with budgets gets the same 404 as for any org, and counts on none of its budgets", async () => {
    const orgId = await createOrgWithKey(['nm-gus']);
    await h.addKey('nm-hal', 'openai');
    await budget(orgKeyOwner(orgId), 'org', orgId, 1);
    const refused = await chat('nm-hal', orgId);
    expect(refused).toMatchObject({ status: 404, code: 'org_not_found' });
    // The org's one request is still there for its member.
    expect((await chat('nm-gus', orgId)).status).toBe(200);
    expect(await chat('nm-gus', orgId)).toMatchObject({ status: 429, code: 'budget_exceeded' });
  });
});

