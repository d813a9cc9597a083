import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_KEYS, startApiHarness, type ApiHarness } from '../support/api-harness.js';

/** A fake groq key per index, each passing the format check. */
const groqKey = (i: number) => `gsk_${String(i).padStart(4, '0')}${'FakeTestKey0'.repeat(4).slice(4)}`;

describe('key pools (#14): bad input and full pools get a clear 4xx and change nothing', () => {
  let h: ApiHarness;
  let alice: Record<string, string>;
  const base = '/api/v1/llm/byok';
  beforeAll(async () => {
    h = await startApiHarness('key_pool_error', { env: { BYOK_MAX_KEYS_PER_PROVIDER: '3', KEY_TEST_WAIT_MS: '0' } });
    alice = { authorization: `Bearer ${await h.token('alice')}` };
  });
  afterAll(() => h.close());

  const save = (payload: Record<string, unknown>, query = '') => h.app.inject({ method: 'POST', url: `${base}/keys${query}`, headers: alice, payload });
  const rowCount = async (userId = 'alice') => (await h.db.sql<{ n: number }>('SELECT count(*)::int AS n FROM user_provider_keys WHERE user_id = $1', [userId]))[0]?.n;

  const badSaves: Array<[string, Record<string, unknown>, RegExp]> = [
    ['an empty label', { label: '' }, /body\/label/],
    ['a label over 64 characters', { label: 'x'.repeat(65) }, /body\/label/],
    ['a label with a newline', { label: 'work\nhome' }, /body\/label: contains a control character/],
    ['a label with a tab', { label: 'work\tx' }, /body\/label: contains a control character/],
    ['a label with a lone surrogate', { label: 'work\ud800' }, /body\/label: contains a lone UTF-16 surrogate/],
    ['a label with a leading space', { label: ' work' }, /body\/label: starts or ends with white space/],
    ['a label with a trailing space', { label: 'work ' }, /body\/label: starts or ends with white space/],
    ['a priority of 0', { priority: 0 }, /body\/priority/],
    ['a priority of 101', { priority: 101 }, /body\/priority/],
    ['a fractional priority', { priority: 1.5 }, /body\/priority/],
    ['an empty model list', { models: [] }, /body\/models/],
    ['a model name with a space', { models: ['gpt 4o'] }, /body\/models\/0/],
    ['a model name over 200 characters', { models: ['m'.repeat(201)] }, /body\/models\/0/],
    ['more than 100 models', { models: Array.from({ length: 101 }, (_, i) => `model-${i}`) }, /body\/models/],
    ['a model named twice', { models: ['o3-mini', 'o3-mini'] }, /body\/models/],
  ];

  it.each(badSaves)('refuses a save with %s: 400 naming the field, nothing stored', async (_name, fields, message) => {
    const res = await save({ provider: 'groq', api_key: FAKE_KEYS.groq, ...fields });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'validation_failed', message: expect.stringMatching(message) });
    expect(await rowCount()).toBe(0);
  });

  it('refuses a NUL in a label with the 400 every stored text gets', async () => {
    const res = await save({ provider: 'groq', api_key: FAKE_KEYS.groq, label: 'a\u0000b' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
    expect(await rowCount()).toBe(0);
  });

  it('refuses ?label= of the same shapes on the per-provider routes', async () => {
    for (const label of ['%20work', 'a%0Ab', 'x'.repeat(65)]) {
      const res = await h.app.inject({ method: 'GET', url: `${base}/keys/groq?label=${label}`, headers: alice });
      expect(res.statusCode, label).toBe(400);
      expect(res.json().error.message).toMatch(/label/);
    }
  });

  it('refuses priority or models with test_first (a tested replacement keeps them)', async () => {
    const res = await save({ provider: 'groq', api_key: FAKE_KEYS.groq, priority: 2 }, '?test_first=true');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/^body\/priority: cannot be combined with test_first/);
    expect(await rowCount()).toBe(0);
  });

  it('refuses the key past BYOK_MAX_KEYS_PER_PROVIDER with 400 too_many_keys; replacing one still works', async () => {
    for (const [i, label] of ['default', 'b', 'c'].entries()) expect((await save({ provider: 'groq', api_key: groqKey(i), label })).statusCode).toBe(201);
    const fourth = await save({ provider: 'groq', api_key: groqKey(3), label: 'd' });
    expect(fourth.statusCode).toBe(400);
    expect(fourth.json().error).toMatchObject({ code: 'too_many_keys', message: expect.stringMatching(/3 Groq keys, the most allowed \(3\)/) });
    expect((await save({ provider: 'groq', api_key: groqKey(4), label: 'B' })).statusCode).toBe(200);
    // Other providers have their own pool.
    expect((await save({ provider: 'openai', api_key: FAKE_KEYS.openai, label: 'd' })).statusCode).toBe(201);
    expect(await rowCount()).toBe(4);
  });

  it('lets only one of many concurrent saves of new labels take the last place in a pool', async () => {
    const bob = { authorization: `Bearer ${await h.token('bob')}` };
    for (const label of ['one', 'two']) {
      expect((await h.app.inject({ method: 'POST', url: `${base}/keys`, headers: bob, payload: { provider: 'groq', api_key: groqKey(9), label } })).statusCode).toBe(201);
    }
    const racers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => h.app.inject({ method: 'POST', url: `${base}/keys`, headers: bob, payload: { provider: 'groq', api_key: groqKey(i), label: `racer-${i}` } })),
    );
    const statuses = racers.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([201, 400, 400, 400, 400, 400]);
    for (const r of racers.filter((r) => r.statusCode === 400)) expect(r.json().error.code).toBe('too_many_keys');
    expect(await rowCount('bob')).toBe(3);
  });

  it('answers 409 duplicate_label to a PATCH taking another key\'s label, ignoring case, and changes nothing', async () => {
    const keys = (await h.app.inject({ method: 'GET', url: `${base}/keys`, headers: alice })).json().keys as Array<{ id: string; label: string; provider: string; priority: number }>;
    const c = keys.find((k) => k.provider === 'groq' && k.label === 'c');
    const res = await h.app.inject({ method: 'PATCH', url: `${base}/keys/by-id/${c?.id}`, headers: alice, payload: { label: 'DEFAULT', priority: 9 } });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({ code: 'duplicate_label', details: [{ path: 'body/label' }] });
    const after = (await h.app.inject({ method: 'GET', url: `${base}/keys/by-id/${c?.id}`, headers: alice })).json();
    expect(after).toMatchObject({ label: 'c', priority: c?.priority });
    // The same label of another provider is no conflict, and a change of case is a rename of the key itself.
    expect((await h.app.inject({ method: 'PATCH', url: `${base}/keys/by-id/${c?.id}`, headers: alice, payload: { label: 'd' } })).statusCode).toBe(200);
    const renamed = await h.app.inject({ method: 'PATCH', url: `${base}/keys/by-id/${c?.id}`, headers: alice, payload: { label: 'D' } });
    expect(renamed.json()).toMatchObject({ label: 'D' });
  });

  it('lets only one of two concurrent renames to the same label through; the other gets 409 duplicate_label', async () => {
    const carol = { authorization: `Bearer ${await h.token('carol')}` };
    const ids: string[] = [];
    for (const label of ['x', 'y']) {
      ids.push((await h.app.inject({ method: 'POST', url: `${base}/keys`, headers: carol, payload: { provider: 'groq', api_key: groqKey(7), label } })).json().id);
    }
    const renames = await Promise.all(ids.map((id) => h.app.inject({ method: 'PATCH', url: `${base}/keys/by-id/${id}`, headers: carol, payload: { label: 'Shared' } })));
    expect(renames.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const labels = await h.db.sql<{ label: string }>("SELECT label FROM user_provider_keys WHERE user_id = 'carol' ORDER BY label");
    expect(labels.map((l) => l.label).filter((l) => l === 'Shared')).toHaveLength(1);
  });

  it('answers 403 to a PATCH enabling a key an admin disabled, and rolls back the rest of the edit', async () => {
    const dave = { authorization: `Bearer ${await h.token('dave')}` };
    const id = (await h.app.inject({ method: 'POST', url: `${base}/keys`, headers: dave, payload: { provider: 'groq', api_key: groqKey(5), label: 'team' } })).json().id;
    const admin = { authorization: `Bearer ${await h.token('root', { admin: true })}` };
    expect((await h.app.inject({ method: 'POST', url: `/api/v1/admin/byok/keys/${id}/disable`, headers: admin, payload: { reason: 'leaked' } })).statusCode).toBe(200);
    const res = await h.app.inject({ method: 'PATCH', url: `${base}/keys/by-id/${id}`, headers: dave, payload: { label: 'renamed', enabled: true } });
    expect(res.statusCode, res.body).toBe(403);
    expect(res.json().error.message).toMatch(/An administrator disabled this key .*reason: leaked/);
    expect(await h.db.sql('SELECT label, enabled FROM user_provider_keys WHERE id = $1', [id])).toEqual([{ label: 'team', enabled: false }]);
    expect(await h.db.sql("SELECT action FROM audit_log WHERE key_id = $1 AND action = 'key.updated'", [id])).toEqual([]);
  });

  it('refuses bad PATCH bodies with 400 naming the field', async () => {
    const keys = (await h.app.inject({ method: 'GET', url: `${base}/keys`, headers: alice })).json().keys as Array<{ id: string }>;
    const url = `${base}/keys/by-id/${keys[0]?.id}`;
    for (const [payload, path] of [
      [{ priority: 0 }, /priority/],
      [{ label: 'x\u0007' }, /body\/label: contains a control character/],
      [{ models: ['a b'] }, /models/],
      [{ provider: 'openai' }, /provider/],
      [{ enabled: 'yes' }, /enabled/],
    ] as const) {
      const res = await h.app.inject({ method: 'PATCH', url, headers: alice, payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.message).toMatch(path);
    }
  });

  it('answers 400 to a malformed id and 404 to an unknown one, on every by-id route', async () => {
    const routes = (id: string) => [
      { method: 'GET' as const, url: `${base}/keys/by-id/${id}` },
      { method: 'PATCH' as const, url: `${base}/keys/by-id/${id}`, payload: { priority: 2 } },
      { method: 'DELETE' as const, url: `${base}/keys/by-id/${id}` },
      { method: 'POST' as const, url: `${base}/keys/by-id/${id}/toggle` },
      { method: 'POST' as const, url: `${base}/keys/by-id/${id}/test` },
    ];
    for (const route of routes('not-a-uuid')) {
      const res = await h.app.inject({ ...route, headers: alice });
      expect(res.statusCode, route.url).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
    }
    for (const route of routes('00000000-0000-4000-8000-000000000000')) {
      const res = await h.app.inject({ ...route, headers: alice });
      expect(res.statusCode, `${route.method} ${route.url}`).toBe(404);
      expect(res.json().error).toMatchObject({ code: 'not_found', message: 'Key not found' });
    }
  });
});
