import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';

describe('usage API: bad query parameters get a 400 that names the parameter', () => {
  let h: ApiHarness;
  let alice: Record<string, string>;
  beforeAll(async () => {
    h = await startApiHarness('usage_error');
    alice = { authorization: `Bearer ${await h.token('alice')}` };
    await h.db.sql(`INSERT INTO user_provider_keys (user_id, provider, api_key_encrypted) VALUES ('alice', 'openai', 'x')`);
  });
  afterAll(() => h.close());

  const cases: Array<[string, string, string]> = [
    ['from not a date', 'from=yesterday', 'querystring/from'],
    ['from with a time', 'from=2026-03-01T00:00:00Z', 'querystring/from'],
    ['from an impossible day', 'from=2026-02-30', 'querystring/from'],
    ['to an impossible month', 'to=2026-13-01', 'querystring/to'],
    ['to before from', 'from=2026-03-02&to=2026-03-01', 'querystring/to'],
    ['a range over 366 days', 'from=2024-01-01&to=2025-01-01', 'querystring/to'],
    ['a from more than 366 days back with the default to', 'from=2000-01-01', 'querystring/from'],
    ['an unknown group_by', 'group_by=user', 'querystring/group_by'],
    ['an unknown format', 'format=xml', 'querystring/format'],
    ['an empty user', 'user=', 'querystring/user'],
    ['an unknown parameter', 'fromm=2026-01-01', 'querystring'],
  ];

  it.each(cases)('GET /llm/usage with %s', async (_name, query, path) => {
    const res = await h.app.inject({ url: `/api/v1/llm/usage?${query}`, headers: alice });
    expect(res.statusCode).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('validation_failed');
    expect(error.details.map((d: { path: string }) => d.path)).toContain(path);
    expect(error.message).toContain(path);
    expect(error.request_id).toBe(res.headers['x-request-id']);
  });

  it('applies the same date rules to the key and admin routes', async () => {
    const admin = { authorization: `Bearer ${await h.token('root', { admin: true })}` };
    for (const [url, headers] of [
      ['/api/v1/llm/byok/keys/openai/usage?from=2026-02-30', alice],
      ['/api/v1/admin/usage?from=2026-03-02&to=2026-03-01', admin],
    ] as const) {
      const res = await h.app.inject({ url, headers });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
    }
  });

  it('accepts a range of exactly 366 days', async () => {
    const res = await h.app.inject({ url: '/api/v1/llm/usage?from=2024-01-01&to=2024-12-31', headers: alice });
    expect(res.statusCode).toBe(200);
  });

  it('answers 404 for a provider the user has no key for, and 400 for an unknown provider', async () => {
    const none = await h.app.inject({ url: '/api/v1/llm/byok/keys/anthropic/usage', headers: alice });
    expect(none.statusCode).toBe(404);
    expect(none.json().error.code).toBe('not_found');
    const unknown = await h.app.inject({ url: '/api/v1/llm/byok/keys/acme/usage', headers: alice });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.code).toBe('unknown_provider');
  });

  it('refuses an unknown provider filter and an empty or over-long model filter, naming the parameter', async () => {
    for (const [query, param] of [
      ['provider=acme', 'querystring/provider'],
      ['model=', 'querystring/model'],
      [`model=${'m'.repeat(201)}`, 'querystring/model'],
    ] as const) {
      const res = await h.app.inject({ url: `/api/v1/llm/usage?group_by=day&${query}`, headers: alice });
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error.details[0].path, query).toBe(param);
    }
  });
});
