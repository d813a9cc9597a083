import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_KEYS, startApiHarness, type ApiHarness } from '../support/api-harness.js';

describe('key management API: bad input gets a clear 4xx and changes nothing', () => {
  let h: ApiHarness;
  let auth: { authorization: string };
  beforeAll(async () => {
    h = await startApiHarness('keys_error');
    auth = { authorization: `Bearer ${await h.token('alice')}` };
  });
  afterAll(() => h.close());

  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: { ...auth, ...headers }, payload: payload as string });

  const cases: Array<[string, unknown, number, string, RegExp]> = [
    ['unknown provider', { provider: 'acme', api_key: 'x' }, 400, 'unknown_provider', /Unknown provider "acme".*openrouter/],
    ['missing api_key', { provider: 'openai' }, 400, 'validation_failed', /missing required field "api_key"/],
    ['wrong type', { provider: 'openai', api_key: { nested: true } }, 400, 'validation_failed', /body\/api_key/],
    ['unknown field', { provider: 'openai', api_key: FAKE_KEYS.openrouter, apikey: 'typo' }, 400, 'validation_failed', /unknown field "apikey"/],
    ['empty key', { provider: 'openai', api_key: '' }, 400, 'validation_failed', /api_key/],
    ['key with spaces', { provider: 'openrouter', api_key: 'sk-or-v1 abc' }, 400, 'invalid_key_format', /spaces/],
    ['key of the wrong shape', { provider: 'openrouter', api_key: 'sk-or-v1-nothex' }, 400, 'invalid_key_format', /An OpenRouter key looks like sk-or-v1- followed by 64/],
    ['label too long', { provider: 'groq', api_key: FAKE_KEYS.groq, label: 'x'.repeat(101) }, 400, 'validation_failed', /label/],
  ];

  it.each(cases)('%s', async (_name, payload, status, code, message) => {
    const res = await post(payload);
    expect(res.statusCode).toBe(status);
    const body = res.json();
    expect(body.error.code).toBe(code);
    expect(body.error.message).toMatch(message);
    expect(body.error.request_id).toBe(res.headers['x-request-id']);
  });

  it('refuses a NUL character in stored text (label, metadata, token name) with 400 and stores nothing', async () => {
    const nul = '\u0000';
    const attempts = [
      await post({ provider: 'openai', api_key: FAKE_KEYS.openai, label: `work${nul}` }),
      await post({ provider: 'openai', api_key: FAKE_KEYS.openai, metadata: { note: `a${nul}b` } }),
      await h.app.inject({ method: 'POST', url: '/api/v1/llm/tokens', headers: auth, payload: { name: nul, expires_in_days: 4 } }),
    ];
    for (const res of attempts) {
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'validation_failed', message: 'A text value contains a NUL character (\\u0000), which cannot be stored' });
    }
    expect(await h.db.sql("SELECT count(*)::int AS n FROM user_provider_keys WHERE user_id = 'alice' AND provider = 'openai'")).toEqual([{ n: 0 }]);
    expect(await h.db.sql("SELECT count(*)::int AS n FROM gateway_tokens WHERE user_id = 'alice'")).toEqual([{ n: 0 }]);
  });

  it('saves a key of an unrecognised shape only when asked to', async () => {
    const res = await post({ provider: 'together', api_key: 'brand-new-format-fake-key-0123456789', allow_unrecognized_format: true });
    expect(res.statusCode).toBe(201);
    const spaces = await post({ provider: 'together', api_key: 'has spaces fake', allow_unrecognized_format: true });
    expect(spaces.statusCode).toBe(400);
  });

  it('refuses invalid JSON, a wrong content type and an oversized body', async () => {
    const bad = await post('{"provider": "openai",', { 'content-type': 'application/json' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('invalid_json');
    const text = await post('provider=openai', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(text.statusCode).toBe(415);
    expect(text.json().error.code).toBe('unsupported_media_type');
    const huge = await post({ provider: 'openai', api_key: 'x', metadata: { blob: 'x'.repeat(70 * 1024) } });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error.code).toBe('payload_too_large');
  });

  it('answers 404 for a provider without a key and 400 for an unknown one on every path route', async () => {
    for (const [method, url] of [['GET', '/keys/openai'], ['DELETE', '/keys/openai'], ['POST', '/keys/openai/toggle']] as const) {
      const res = await h.app.inject({ method, url: `/api/v1/llm/byok${url}`, headers: auth });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      const unknown = await h.app.inject({ method, url: `/api/v1/llm/byok${url.replace('openai', 'acme')}`, headers: auth });
      expect(unknown.statusCode).toBe(400);
    }
  });

  it('validates admin query parameters', async () => {
    const admin = { authorization: `Bearer ${await h.token('root', { admin: true })}` };
    for (const q of ['limit=0', 'limit=abc', 'offset=-1', 'provider=acme', 'colour=red']) {
      const res = await h.app.inject({ url: `/api/v1/admin/byok/keys?${q}`, headers: admin });
      expect(res.statusCode, q).toBe(400);
    }
    const id = await h.app.inject({ method: 'POST', url: '/api/v1/admin/byok/keys/not-a-uuid/disable', headers: admin });
    expect(id.statusCode).toBe(400);
    const missing = await h.app.inject({ method: 'POST', url: '/api/v1/admin/byok/keys/00000000-0000-4000-8000-000000000000/disable', headers: admin });
    expect(missing.statusCode).toBe(404);
  });

  it('answers unknown routes with the error shape', async () => {
    const res = await h.app.inject({ url: '/api/v1/nope', headers: auth });
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toMatchObject({ code: 'not_found' });
  });

  it('wrote nothing for the rejected requests', async () => {
    const rows = await h.db.sql<{ provider: string }>('SELECT provider FROM user_provider_keys');
    expect(rows.map((r) => r.provider)).toEqual(['together']);
    const audit = await h.db.sql<{ action: string }>('SELECT action FROM audit_log');
    expect(audit.map((a) => a.action)).toEqual(['key.created']);
  });
});
