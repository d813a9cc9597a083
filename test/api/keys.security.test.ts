import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_KEYS, startApiHarness, TEST_JWT_SECRET, type ApiHarness } from '../support/api-harness.js';

const secret = new TextEncoder().encode(TEST_JWT_SECRET);
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('key management API: authentication and isolation', () => {
  let h: ApiHarness;
  let alice: Record<string, string>;
  let bob: Record<string, string>;
  beforeAll(async () => {
    h = await startApiHarness('keys_security', { env: { KEY_TEST_RATE_LIMIT_PER_MINUTE: '1000' } });
    alice = { authorization: `Bearer ${await h.token('alice')}` };
    bob = { authorization: `Bearer ${await h.token('bob')}` };
    const created = await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: alice, payload: { provider: 'openrouter', api_key: FAKE_KEYS.openrouter } });
    expect(created.statusCode).toBe(201);
  });
  afterAll(() => h.close());

  const sign = (claims: Record<string, unknown>, options: { exp?: number; iss?: string; aud?: string; nbf?: number } = {}) => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({ roles: [], ...claims })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setIssuer(options.iss ?? 'byok-gateway')
      .setAudience(options.aud ?? 'byok-gateway')
      .setIssuedAt(now - 10)
      .setExpirationTime(options.exp ?? now + 600);
    if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
    return jwt.sign(secret);
  };

  const badCredentials: Array<[string, () => Promise<string | undefined>, string]> = [
    ['no header', async () => undefined, 'missing_credentials'],
    ['not a bearer', async () => 'Basic YWxpY2U6cHc=', 'invalid_token'],
    ["the earlier system's bare user id", async () => 'Bearer alice', 'invalid_token'],
    ['malformed token', async () => 'Bearer abc.def.ghi', 'invalid_token'],
    ['expired', async () => `Bearer ${await sign({}, { exp: Math.floor(Date.now() / 1000) - 120 })}`, 'token_expired'],
    ['not yet valid', async () => `Bearer ${await sign({}, { nbf: Math.floor(Date.now() / 1000) + 3600 })}`, 'invalid_token'],
    ['wrong issuer', async () => `Bearer ${await sign({}, { iss: 'evil' })}`, 'invalid_token'],
    ['wrong audience', async () => `Bearer ${await sign({}, { aud: 'other-app' })}`, 'invalid_token'],
    ['wrong signature', async () => `Bearer ${(await sign({})).slice(0, -4)}AAAA`, 'invalid_token'],
    ['alg none', async () => `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'alice', iss: 'byok-gateway', aud: 'byok-gateway', exp: Math.floor(Date.now() / 1000) + 600 })}.`, 'invalid_token'],
    [
      'tampered payload',
      async () => {
        const [header, , signature] = (await sign({})).split('.');
        return `Bearer ${header}.${b64({ sub: 'bob', iss: 'byok-gateway', aud: 'byok-gateway', exp: Math.floor(Date.now() / 1000) + 600 })}.${signature}`;
      },
      'invalid_token',
    ],
  ];

  const routes: Array<[string, string, unknown?]> = [
    ['GET', '/api/v1/llm/byok/keys'],
    ['POST', '/api/v1/llm/byok/keys', { provider: 'groq', api_key: FAKE_KEYS.groq }],
    ['GET', '/api/v1/llm/byok/keys/openrouter'],
    ['DELETE', '/api/v1/llm/byok/keys/openrouter'],
    ['POST', '/api/v1/llm/byok/keys/openrouter/toggle'],
    ['GET', '/api/v1/admin/byok/keys'],
  ];

  it.each(badCredentials)('refuses %s with 401 on every protected route', async (_name, header, code) => {
    const authorization = await header();
    for (const [method, url, payload] of routes) {
      const res = await h.app.inject({ method: method as 'GET', url, ...(authorization ? { headers: { authorization } } : {}), ...(payload ? { payload: payload as object } : {}) });
      expect(res.statusCode, `${method} ${url}`).toBe(401);
      expect(res.json().error.code).toBe(code);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
  });

  it('refuses a user on admin routes with 403', async () => {
    const list = await h.app.inject({ url: '/api/v1/admin/byok/keys', headers: alice });
    expect(list.statusCode).toBe(403);
    expect(list.json().error.code).toBe('forbidden');
    const disable = await h.app.inject({ method: 'POST', url: '/api/v1/admin/byok/keys/00000000-0000-4000-8000-000000000000/disable', headers: alice });
    expect(disable.statusCode).toBe(403);
  });

  it("never lets bob see, delete, toggle or replace alice's key", async () => {
    const list = await h.app.inject({ url: '/api/v1/llm/byok/keys', headers: bob });
    expect(list.json().keys).toEqual([]);
    expect((await h.app.inject({ url: '/api/v1/llm/byok/keys/openrouter', headers: bob })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'DELETE', url: '/api/v1/llm/byok/keys/openrouter', headers: bob })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys/openrouter/toggle', headers: bob })).statusCode).toBe(404);
    const replaced = await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: bob, payload: { provider: 'openrouter', api_key: `sk-or-v1-${'b0b0'.repeat(16)}` } });
    expect(replaced.statusCode).toBe(201);
    const rows = await h.db.sql<{ user_id: string; key_version: number; enabled: boolean; key_hint: string }>(
      `SELECT user_id, key_version, enabled, key_hint FROM user_provider_keys WHERE provider = 'openrouter' ORDER BY user_id`,
    );
    expect(rows).toEqual([
      { user_id: 'alice', key_version: 1, enabled: true, key_hint: 'sk-or-v1-****…****fa4e' },
      { user_id: 'bob', key_version: 1, enabled: true, key_hint: 'sk-or-v1-****…****b0b0' },
    ]);
  });

  it('keeps one row and a consistent audit trail under 50 concurrent saves of the same key', async () => {
    const carol = { authorization: `Bearer ${await h.token('carol')}` };
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: carol, payload: { provider: 'openrouter', api_key: `sk-or-v1-${i.toString(16).padStart(4, '0').repeat(16)}` } }),
      ),
    );
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(49);
    const rows = await h.db.sql<{ key_version: number }>(`SELECT key_version FROM user_provider_keys WHERE user_id = 'carol'`);
    expect(rows).toEqual([{ key_version: 50 }]);
    const audit = await h.db.sql<{ action: string; version: number }>(
      `SELECT action, (details->>'key_version')::int AS version FROM audit_log WHERE subject_user_id = 'carol' ORDER BY version`,
    );
    expect(audit.map((a) => a.version)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(audit.filter((a) => a.action === 'key.created')).toHaveLength(1);
    expect(results.map((r) => r.json().key_version).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });
});
