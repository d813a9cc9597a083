import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_KEYS, startApiHarness, type ApiHarness } from '../support/api-harness.js';

const DAY_MS = 86_400_000;
const inDays = (days: number) => new Date(Date.now() + days * DAY_MS).toISOString();

/** `expires_at` on keys: what the `key_expiring` reminders (14, 7 and 1 days before) are about. */
describe('key expiry (expires_at)', () => {
  let h: ApiHarness;
  let alice: Record<string, string>;
  const base = '/api/v1/llm/byok';
  beforeAll(async () => {
    h = await startApiHarness('key_expiry', { env: { KEY_TEST_WAIT_MS: '0' } });
    alice = { authorization: `Bearer ${await h.token('alice')}` };
  });
  afterAll(() => h.close());

  const save = (payload: Record<string, unknown>, query = '') => h.app.inject({ method: 'POST', url: `${base}/keys${query}`, headers: alice, payload });
  const patch = (id: string, payload: Record<string, unknown>) => h.app.inject({ method: 'PATCH', url: `${base}/keys/by-id/${id}`, headers: alice, payload });
  const listed = async (id: string) => ((await h.app.inject({ url: `${base}/keys`, headers: alice })).json().keys as Array<{ id: string; expires_at: string | null }>).find((k) => k.id === id);
  const expect400 = (res: { statusCode: number; body: string; json: () => { error: { code: string; message: string; details?: Array<{ path: string }> } } }, message: RegExp) => {
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
    expect(res.json().error.message).toMatch(message);
  };

  it('is set at save, returned by the save, the listing and the GETs, and stored for the reminder scan', async () => {
    const at = inDays(30);
    const saved = await save({ provider: 'openai', api_key: FAKE_KEYS.openai, label: 'expiring', expires_at: at });
    expect(saved.statusCode, saved.body).toBe(201);
    expect(saved.json().expires_at).toBe(at);
    const id = saved.json().id as string;
    expect((await listed(id))?.expires_at).toBe(at);
    expect((await h.app.inject({ url: `${base}/keys/by-id/${id}`, headers: alice })).json().expires_at).toBe(at);
    expect((await h.app.inject({ url: `${base}/keys/openai?label=expiring`, headers: alice })).json().expires_at).toBe(at);
    const [row] = await h.db.sql<{ expires_at: Date }>('SELECT expires_at FROM user_provider_keys WHERE id = $1', [id]);
    expect(row?.expires_at.toISOString()).toBe(at);
    // A key saved without one has none.
    const plain = await save({ provider: 'groq', api_key: FAKE_KEYS.groq });
    expect(plain.json().expires_at).toBeNull();
  });

  it('is changed and cleared (null) with PATCH, audited', async () => {
    const id = (await save({ provider: 'anthropic', api_key: FAKE_KEYS.anthropic })).json().id as string;
    const at = inDays(10);
    const set = await patch(id, { expires_at: at });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json().expires_at).toBe(at);
    const cleared = await patch(id, { expires_at: null });
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json().expires_at).toBeNull();
    expect((await listed(id))?.expires_at).toBeNull();
    const audit = await h.db.sql<{ details: Record<string, unknown> }>(`SELECT details FROM audit_log WHERE key_id = $1 AND action = 'key.updated' ORDER BY id`, [id]);
    expect(audit.map((a) => a.details)).toEqual([{ expires_at: { from: null, to: at } }, { expires_at: { from: at, to: null } }]);
  });

  it('belongs to the key text: a replacement without one has none', async () => {
    const first = await save({ provider: 'openrouter', api_key: FAKE_KEYS.openrouter, label: 'rotated', expires_at: inDays(5) });
    const replaced = await save({ provider: 'openrouter', api_key: FAKE_KEYS.openrouter, label: 'rotated' });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json()).toMatchObject({ id: first.json().id, expires_at: null });
  });

  it('refuses a date-time in the past or now (400 naming the field), and changes nothing', async () => {
    expect400(await save({ provider: 'groq', api_key: FAKE_KEYS.groq, label: 'past', expires_at: inDays(-1) }), /^body\/expires_at: must be in the future/);
    expect(await h.db.sql(`SELECT 1 FROM user_provider_keys WHERE label = 'past'`)).toEqual([]);
    const id = (await save({ provider: 'groq', api_key: FAKE_KEYS.groq, label: 'future', expires_at: inDays(3) })).json().id as string;
    expect400(await patch(id, { expires_at: '2020-01-01T00:00:00Z' }), /^body\/expires_at: must be in the future/);
    expect((await listed(id))?.expires_at).toBe((await h.app.inject({ url: `${base}/keys/by-id/${id}`, headers: alice })).json().expires_at);
    expect((await listed(id))?.expires_at).not.toBeNull();
  });

  it('refuses an instant past the year 9999 (it could not be listed back in RFC 3339), naming the field', async () => {
    expect400(await save({ provider: 'groq', api_key: FAKE_KEYS.groq, label: 'far', expires_at: '9999-12-31T23:59:59-23:59' }), /^body\/expires_at: must be before the year 10000/);
    expect(await h.db.sql(`SELECT 1 FROM user_provider_keys WHERE label = 'far'`)).toEqual([]);
    const id = (await save({ provider: 'groq', api_key: FAKE_KEYS.groq, label: 'near', expires_at: '9999-12-31T23:59:59Z' })).json().id as string;
    expect((await listed(id))?.expires_at).toBe('9999-12-31T23:59:59.000Z');
  });

  it.each([['tomorrow'], ['2027-03-01'], ['2027-13-01T00:00:00Z'], ['2027-02-30T00:00:00Z'], ['2027-03-01T00:00:00'], [12345], [true], [''], [0], [false]])('refuses the malformed expires_at %j (400)', async (value) => {
    expect400(await save({ provider: 'groq', api_key: FAKE_KEYS.groq, label: 'malformed', expires_at: value }), /expires_at/);
    const id = (await h.db.sql<{ id: string }>(`SELECT id FROM user_provider_keys WHERE user_id = 'alice' AND provider = 'openai' LIMIT 1`))[0]?.id ?? '';
    expect400(await patch(id, { expires_at: value }), /expires_at/);
  });

  it('cannot be combined with test_first (a tested replacement has no expiry of its own yet)', async () => {
    await save({ provider: 'openrouter', api_key: FAKE_KEYS.openrouter, label: 'tested' });
    expect400(await save({ provider: 'openrouter', api_key: FAKE_KEYS.openrouter, label: 'tested', expires_at: inDays(9) }, '?test_first=true'), /^body\/expires_at: cannot be combined with test_first/);
  });
});
