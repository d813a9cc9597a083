import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_KEYS, startApiHarness, type ApiHarness } from '../support/api-harness.js';

describe("key pools (#14): another user's key id is answered like an unknown one", () => {
  let h: ApiHarness;
  let alice: Record<string, string>;
  let mallory: Record<string, string>;
  let aliceKeyId: string;
  const base = '/api/v1/llm/byok';
  beforeAll(async () => {
    h = await startApiHarness('key_pool_security', { env: { KEY_TEST_WAIT_MS: '0' } });
    alice = { authorization: `Bearer ${await h.token('alice')}` };
    mallory = { authorization: `Bearer ${await h.token('mallory')}` };
    const saved = await h.app.inject({ method: 'POST', url: `${base}/keys`, headers: alice, payload: { provider: 'openai', api_key: FAKE_KEYS.openai, label: 'work' } });
    aliceKeyId = saved.json().id;
  });
  afterAll(() => h.close());

  it('404 (never 403) on GET, PATCH, DELETE, toggle and test, with the unknown-id message, and nothing changes', async () => {
    const before = await h.db.sql('SELECT label, priority, models, enabled, key_version FROM user_provider_keys WHERE id = $1', [aliceKeyId]);
    const auditBefore = await h.db.sql('SELECT count(*)::int AS n FROM audit_log');
    const routes = [
      { method: 'GET' as const, url: `${base}/keys/by-id/${aliceKeyId}` },
      { method: 'PATCH' as const, url: `${base}/keys/by-id/${aliceKeyId}`, payload: { label: 'stolen', priority: 1, enabled: false } },
      { method: 'POST' as const, url: `${base}/keys/by-id/${aliceKeyId}/toggle`, payload: { enabled: false } },
      { method: 'POST' as const, url: `${base}/keys/by-id/${aliceKeyId}/test` },
      { method: 'DELETE' as const, url: `${base}/keys/by-id/${aliceKeyId}` },
    ];
    for (const route of routes) {
      const res = await h.app.inject({ ...route, headers: mallory });
      expect(res.statusCode, `${route.method} ${route.url}`).toBe(404);
      expect(res.json().error).toMatchObject({ code: 'not_found', message: 'Key not found' });
      expect(res.body).not.toContain('openai');
    }
    expect(await h.db.sql('SELECT label, priority, models, enabled, key_version FROM user_provider_keys WHERE id = $1', [aliceKeyId])).toEqual(before);
    expect(await h.db.sql('SELECT count(*)::int AS n FROM audit_log')).toEqual(auditBefore);
    // No provider call was queued for mallory.
    const jobs = await h.runtime.producers.keyTests.queue.getJobs(['waiting', 'delayed', 'active']);
    expect(jobs.filter((j) => j.data.reason === 'manual')).toEqual([]);
  });

  it("another user's label on the per-provider routes is theirs alone: mallory's ?label=work is 404", async () => {
    const res = await h.app.inject({ method: 'GET', url: `${base}/keys/openai?label=work`, headers: mallory });
    expect(res.statusCode).toBe(404);
    const own = await h.app.inject({ method: 'POST', url: `${base}/keys`, headers: mallory, payload: { provider: 'openai', api_key: FAKE_KEYS.openai, label: 'work' } });
    expect(own.statusCode).toBe(201);
    expect(own.json().id).not.toBe(aliceKeyId);
  });

  it('requires sign-in on the by-id and settings routes', async () => {
    for (const url of [`${base}/keys/by-id/${aliceKeyId}`, `${base}/settings`]) {
      expect((await h.app.inject({ method: 'GET', url })).statusCode).toBe(401);
    }
  });
});
