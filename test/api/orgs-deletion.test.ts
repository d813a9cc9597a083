import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { bearerOf, codeOf, createOrg, type Headers } from './support/org-fixtures.js';

describe('deleting an organization', () => {
  let h: ApiHarness;
  let owner: Headers;
  let admin: Headers;
  beforeAll(async () => {
    h = await startApiHarness('orgs_deletion');
    owner = await bearerOf(h, 'del-owner');
    admin = await bearerOf(h, 'del-admin');
  });
  afterAll(() => h.close());

  it('deletes its keys, memberships and tokens, keeps its audit trail with org.deleted last, and is owners-only', async () => {
    const orgId = await createOrg(h, owner, 'Deleted Org', { 'del-admin': 'admin', 'del-member': 'member' });
    // An org key as the org keys API stores one: owner id org:<id>, org_id set (the ciphertext is never read here).
    await h.db.sql("INSERT INTO user_provider_keys (user_id, provider, api_key_encrypted, org_id) VALUES ('org:' || $1, 'openai', 'not-a-real-fernet-token', $1::uuid)", [orgId]);
    const token = await h.app.inject({ method: 'POST', url: '/api/v1/llm/tokens', headers: admin, payload: { name: 'org ci', org_id: orgId } });
    expect(token.statusCode).toBe(201);
    const other = await createOrg(h, owner, 'Kept Org', { 'del-member': 'member' });

    const refused = await h.app.inject({ method: 'DELETE', url: `/api/v1/orgs/${orgId}`, headers: admin });
    expect(refused.statusCode).toBe(403);
    expect(codeOf(refused)).toBe('org_role_required');

    expect((await h.app.inject({ method: 'DELETE', url: `/api/v1/orgs/${orgId}`, headers: owner })).statusCode).toBe(204);
    const count = async (sql: string) => Number((await h.db.sql<{ count: string }>(sql, [orgId]))[0]?.count);
    expect(await count('SELECT count(*) AS count FROM user_provider_keys WHERE org_id = $1')).toBe(0);
    expect(await count('SELECT count(*) AS count FROM byok_org_members WHERE org_id = $1')).toBe(0);
    expect(await count('SELECT count(*) AS count FROM gateway_tokens WHERE org_id = $1')).toBe(0);
    const audit = await h.db.sql<{ action: string; actor_id: string; details: Record<string, unknown> }>('SELECT action, actor_id, details FROM audit_log WHERE org_id = $1 ORDER BY id', [orgId]);
    expect(audit.map((a) => a.action)).toEqual(['org.created', 'org.member_added', 'org.member_added', 'token.created', 'org.deleted']);
    expect(audit.at(-1)).toEqual({ action: 'org.deleted', actor_id: 'del-owner', details: { name: 'Deleted Org', members: 3, keys: 1, tokens_revoked: 1 } });

    for (const headers of [owner, admin]) {
      const gone = await h.app.inject({ url: `/api/v1/orgs/${orgId}`, headers });
      expect(gone.statusCode).toBe(404);
      expect(codeOf(gone)).toBe('org_not_found');
    }
    expect((await h.app.inject({ url: `/api/v1/orgs/${other}/members`, headers: owner })).json().members).toHaveLength(2);
  });

  it('answers one of two concurrent deletions with 204 and the other with 404, never a 500', async () => {
    const orgId = await createOrg(h, owner, 'Twice Deleted');
    const results = await Promise.all([0, 1].map(() => h.app.inject({ method: 'DELETE', url: `/api/v1/orgs/${orgId}`, headers: owner })));
    expect(results.map((r) => r.statusCode).sort()).toEqual([204, 404]);
    expect(await h.db.sql("SELECT 1 FROM audit_log WHERE action = 'org.deleted' AND org_id = $1", [orgId])).toHaveLength(1);
  });
});
