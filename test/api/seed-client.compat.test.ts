import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_KEYS, startApiHarness, type ApiHarness } from '../support/api-harness.js';

/**
 * A client of the seed API (issue #14: "the seed-compatible routes keep working unchanged"): one
 * key per provider, never a label, only the per-provider routes. Key pools must be invisible to
 * it: a save replaces its one key, every route acts on that key, and the answers keep their shape.
 */
describe('a seed client, one key per provider and no labels', () => {
  let h: ApiHarness;
  let headers: Record<string, string>;
  const base = '/api/v1/llm/byok/keys';
  /** The fields the seed API's key view had; the pool's fields (label, priority, models, health) come on top. */
  const SEED_VIEW = {
    id: expect.any(String),
    provider: expect.any(String),
    provider_name: expect.any(String),
    masked_key: expect.any(String),
    enabled: expect.any(Boolean),
    status: expect.any(String),
    usable: expect.any(Boolean),
    key_version: expect.any(Number),
    created_at: expect.any(String),
    updated_at: expect.any(String),
  };

  beforeAll(async () => {
    h = await startApiHarness('seed_client', { env: { KEY_TEST_WAIT_MS: '0' } });
    headers = { authorization: `Bearer ${await h.token('seed')}` };
  });
  afterAll(() => h.close());

  const rows = async () => h.db.sql<{ provider: string; label: string; priority: number }>('SELECT provider, label, priority FROM user_provider_keys WHERE user_id = $1 ORDER BY provider', ['seed']);

  it('POST without a label creates the key (201), and posting again replaces it (200): still one key per provider', async () => {
    const created = await h.app.inject({ method: 'POST', url: base, headers, payload: { provider: 'openai', api_key: FAKE_KEYS.openai } });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ ...SEED_VIEW, provider: 'openai', key_version: 1, enabled: true, status: 'testing' });
    const replaced = await h.app.inject({ method: 'POST', url: base, headers, payload: { provider: 'openai', api_key: `${FAKE_KEYS.openai.slice(0, -4)}Zz99` } });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json()).toMatchObject({ id: created.json().id, key_version: 2, masked_key: expect.stringMatching(/Zz99$/) });
    expect((await h.app.inject({ method: 'POST', url: base, headers, payload: { provider: 'groq', api_key: FAKE_KEYS.groq } })).statusCode).toBe(201);
    expect(await rows()).toEqual([
      { provider: 'groq', label: 'default', priority: 1 },
      { provider: 'openai', label: 'default', priority: 1 },
    ]);
  });

  it('GET lists one masked key per provider in the seed shape', async () => {
    const res = await h.app.inject({ method: 'GET', url: base, headers });
    expect(res.statusCode).toBe(200);
    const keys = res.json().keys as Array<Record<string, unknown>>;
    expect(keys.map((k) => k.provider)).toEqual(['groq', 'openai']);
    for (const key of keys) expect(key).toMatchObject({ ...SEED_VIEW, enabled: true, usable: true });
    expect(res.body).not.toContain(FAKE_KEYS.groq);
    const one = await h.app.inject({ method: 'GET', url: `${base}/openai`, headers });
    expect(one.json()).toMatchObject({ ...SEED_VIEW, id: keys[1]?.id, provider: 'openai' });
  });

  it('toggle flips with no body and sets with {enabled}', async () => {
    const flipped = await h.app.inject({ method: 'POST', url: `${base}/groq/toggle`, headers });
    expect(flipped.statusCode).toBe(200);
    expect(flipped.json()).toMatchObject({ provider: 'groq', enabled: false });
    const set = await h.app.inject({ method: 'POST', url: `${base}/groq/toggle`, headers, payload: { enabled: true } });
    expect(set.json()).toMatchObject({ provider: 'groq', enabled: true });
  });

  it('test queues a validation of the one key (202 while it runs)', async () => {
    const res = await h.app.inject({ method: 'POST', url: `${base}/openai/test`, headers });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ job_id: expect.any(String), status: 'testing' });
  });

  it('usage reports the provider’s traffic', async () => {
    const res = await h.app.inject({ method: 'GET', url: `${base}/openai/usage`, headers });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ provider: 'openai', totals: { calls: 0 }, by_model: [], by_day: expect.any(Array) });
  });

  it('delete removes the key (204), then 404; a new save creates it afresh (201)', async () => {
    expect((await h.app.inject({ method: 'DELETE', url: `${base}/groq`, headers })).statusCode).toBe(204);
    expect((await h.app.inject({ method: 'GET', url: `${base}/groq`, headers })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'DELETE', url: `${base}/groq`, headers })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'POST', url: base, headers, payload: { provider: 'groq', api_key: FAKE_KEYS.groq } })).statusCode).toBe(201);
  });
});
