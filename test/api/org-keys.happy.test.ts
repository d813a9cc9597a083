import { fakeKey } from '@byok/mock-providers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { insertOrg } from '../support/org-fixtures.js';

/** The org key API (#17) mirrors the user key API through the same routes and services, for the owner `org:<id>`. */
describe('organization keys API: happy paths', () => {
  let h: ApiHarness;
  let org: string;
  const headers: Record<string, Record<string, string>> = {};
  const as = (user: string) => headers[user] ?? {};
  const keysUrl = () => `/api/v1/orgs/${org}/byok/keys`;
  const openaiKey = fakeKey('openai', 'valid', 'org-happy');

  beforeAll(async () => {
    h = await startApiHarness('org_keys_happy', { env: { KEY_TEST_WAIT_MS: '200' } });
    org = await insertOrg(h.db, 'Acme', { olivia: 'owner', adam: 'admin', mia: 'member' });
    for (const user of ['olivia', 'adam', 'mia']) headers[user] = { authorization: `Bearer ${await h.token(user)}` };
  });
  afterAll(() => h.close());

  it('saves an org key as an admin: stored under org:<id> with the org, audited in the org trail with the actor, test job for the org owner', async () => {
    const res = await h.app.inject({ method: 'POST', url: keysUrl(), headers: as('adam'), payload: { provider: 'openai', api_key: openaiKey, label: 'shared', models: ['gpt-4o*'] } });
    expect(res.statusCode, res.body).toBe(201);
    const key = res.json<{ id: string }>();
    expect(res.json()).toMatchObject({ provider: 'openai', label: 'shared', models: ['gpt-4o*'], status: 'testing' });
    expect(res.body).not.toContain(openaiKey);
    const [row] = await h.db.sql<{ user_id: string; org_id: string }>('SELECT user_id, org_id::text FROM user_provider_keys WHERE id = $1', [key.id]);
    expect(row).toEqual({ user_id: `org:${org}`, org_id: org });
    const audit = await h.db.sql('SELECT action, actor_id, subject_user_id, org_id::text FROM audit_log WHERE key_id = $1', [key.id]);
    expect(audit).toEqual([{ action: 'key.created', actor_id: 'adam', subject_user_id: `org:${org}`, org_id: org }]);
    const jobs = await h.runtime.producers.keyTests.queue.getJobs(['waiting', 'delayed', 'active']);
    expect(jobs.map((j) => j.data)).toContainEqual(expect.objectContaining({ keyId: key.id, userId: `org:${org}`, actorId: 'adam', reason: 'added' }));
  });

  it('lists masked keys and the summary for owners and admins, only the summary for members', async () => {
    await h.app.inject({ method: 'POST', url: keysUrl(), headers: as('olivia'), payload: { provider: 'groq', api_key: fakeKey('groq', 'valid', 'org-happy') } });
    await h.app.inject({ method: 'POST', url: `${keysUrl()}/groq/toggle`, headers: as('olivia'), payload: { enabled: false } });
    const summary = [
      { provider: 'groq', keys: 1, enabled_keys: 0, usable: false, status: 'disabled' },
      { provider: 'openai', keys: 1, enabled_keys: 1, usable: true, status: 'testing' },
    ];
    const admin = await h.app.inject({ url: keysUrl(), headers: as('olivia') });
    expect(admin.statusCode, admin.body).toBe(200);
    expect(admin.json()).toMatchObject({ role: 'owner', providers: summary });
    expect(admin.json<{ keys: Array<{ provider: string }> }>().keys.map((k) => k.provider)).toEqual(['groq', 'openai']);
    const member = await h.app.inject({ url: keysUrl(), headers: as('mia') });
    expect(member.statusCode, member.body).toBe(200);
    expect(member.json()).toEqual({ role: 'member', providers: summary });
  });

  it('gets, patches, toggles, tests and deletes an org key by id and by provider, each change audited for the org', async () => {
    const listing = await h.app.inject({ url: keysUrl(), headers: as('adam') });
    const openai = listing.json<{ keys: Array<{ id: string; provider: string }> }>().keys.find((k) => k.provider === 'openai');
    if (openai === undefined) throw new Error('the openai org key should be listed');
    const byId = `${keysUrl()}/by-id/${openai.id}`;
    expect((await h.app.inject({ url: byId, headers: as('adam') })).json()).toMatchObject({ id: openai.id, label: 'shared' });
    const patched = await h.app.inject({ method: 'PATCH', url: byId, headers: as('adam'), payload: { label: 'team', priority: 3 } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ label: 'team', priority: 3 });
    expect((await h.app.inject({ url: `${keysUrl()}/openai?label=team`, headers: as('adam') })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'POST', url: `${byId}/toggle`, headers: as('adam'), payload: { enabled: false } })).json()).toMatchObject({ enabled: false });
    // No worker runs here: the test answers 202 once its bounded wait ran out, and the job names the org owner.
    const tested = await h.app.inject({ method: 'POST', url: `${byId}/test`, headers: as('olivia') });
    expect(tested.statusCode, tested.body).toBe(202);
    expect((await h.app.inject({ method: 'DELETE', url: byId, headers: as('olivia') })).statusCode).toBe(204);
    expect((await h.app.inject({ method: 'DELETE', url: `${keysUrl()}/groq`, headers: as('olivia') })).statusCode).toBe(204);
    const trail = await h.db.sql<{ action: string; actor_id: string }>('SELECT action, actor_id FROM audit_log WHERE org_id = $1 ORDER BY id', [org]);
    expect(trail.map((r) => `${r.action}:${r.actor_id}`)).toEqual([
      'key.created:adam',
      'key.created:olivia',
      'key.disabled:olivia',
      'key.updated:adam',
      'key.disabled:adam',
      'key.deleted:olivia',
      'key.deleted:olivia',
    ]);
    expect((await h.app.inject({ url: keysUrl(), headers: as('mia') })).json()).toEqual({ role: 'member', providers: [] });
  });

  it("spends the org's test budget, not the acting admin's own", async () => {
    const limited = await startApiHarness('org_keys_budget', { env: { KEY_TEST_RATE_LIMIT_PER_MINUTE: '2' } });
    try {
      const budgetOrg = await insertOrg(limited.db, 'Budget', { olivia: 'owner', adam: 'admin' });
      const save = async (user: string, url: string, seed: string) =>
        limited.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${await limited.token(user)}` }, payload: { provider: 'openai', api_key: fakeKey('openai', 'valid', seed), label: seed } });
      const orgUrl = `/api/v1/orgs/${budgetOrg}/byok/keys`;
      expect((await save('olivia', orgUrl, 'one')).statusCode).toBe(201);
      expect((await save('adam', orgUrl, 'two')).statusCode).toBe(201);
      expect((await save('adam', orgUrl, 'three')).statusCode).toBe(429);
      // Adam's own budget is untouched by the org's saves.
      expect((await save('adam', '/api/v1/llm/byok/keys', 'mine')).statusCode).toBe(201);
    } finally {
      await limited.close();
    }
  });
});
