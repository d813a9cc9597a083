import { buildApi } from '@byok/api';
import { buildProxy } from '@byok/proxy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSecurityHarness, type SecurityHarness } from './support/security-harness.js';

// Issue #12 (Low, "Limits"): a cap on gateway tokens per user, and throttling of failed
// authentication per client address (Redis-shared, 429 + Retry-After, API and proxy).

let h: SecurityHarness;
beforeAll(async () => {
  h = await startSecurityHarness('limits');
});
afterAll(() => h?.close());

type App = Awaited<ReturnType<typeof buildApi>>;

describe('gateway tokens per user', () => {
  let app: App;
  beforeAll(async () => {
    app = await buildApi({ ...h.api.runtime, config: { ...h.api.config, gatewayTokensPerUserMax: 3 } });
    await app.ready();
  });
  afterAll(() => app?.close());

  const create = async (user: string, name: string) => app.inject({ method: 'POST', url: '/api/v1/llm/tokens', headers: await h.bearer(user), payload: { name } });

  it('refuses one past the cap with 409 and says what to do, until one is revoked', async () => {
    const ids: string[] = [];
    for (const name of ['a', 'b', 'c']) {
      const res = await create('capped-user', name);
      expect(res.statusCode).toBe(201);
      ids.push(res.json<{ id: string }>().id);
    }
    const refused = await create('capped-user', 'd');
    expect(refused.statusCode).toBe(409);
    expect(refused.json<{ error: { code: string; message: string } }>().error).toMatchObject({ code: 'conflict', message: expect.stringMatching(/3 active gateway tokens.*revoke one/) });
    expect((await app.inject({ method: 'DELETE', url: `/api/v1/llm/tokens/${ids[0]}`, headers: await h.bearer('capped-user') })).statusCode).toBe(204);
    expect((await create('capped-user', 'd')).statusCode).toBe(201);
  });

  it('holds under a burst of concurrent creations', async () => {
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => create('burst-user', `t${i}`)));
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(3);
    expect(results.filter((r) => r.statusCode === 409)).toHaveLength(9);
  });
});

describe('failed authentication per client address', () => {
  const settings = { maxFailures: 5, windowSeconds: 60 };
  let api: App;
  let proxy: Awaited<ReturnType<typeof buildProxy>>;
  beforeAll(async () => {
    const config = { ...h.api.config, authFailures: settings };
    api = await buildApi({ ...h.api.runtime, config });
    proxy = await buildProxy({ ...h.api.runtime, config }, { services: h.services });
    await Promise.all([api.ready(), proxy.ready()]);
  });
  afterAll(async () => {
    await api?.close();
    await proxy?.close();
  });

  const bad = { authorization: 'Bearer not.a.token' };

  it('answers 429 with Retry-After once an address has failed too often, even with a valid token', async () => {
    const remoteAddress = '198.51.100.7';
    for (let i = 0; i < settings.maxFailures; i++) {
      expect((await api.inject({ url: '/api/v1/llm/byok/keys', headers: bad, remoteAddress })).statusCode).toBe(401);
    }
    const blocked = await api.inject({ url: '/api/v1/llm/byok/keys', headers: await h.bearer('good-user'), remoteAddress });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json<{ error: { code: string } }>().error.code).toBe('rate_limited');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(settings.windowSeconds);
  });

  it('leaves requests without credentials and other addresses alone', async () => {
    expect((await api.inject({ url: '/api/v1/llm/byok/providers', remoteAddress: '198.51.100.7' })).statusCode).toBe(200);
    expect((await api.inject({ url: '/api/v1/llm/byok/keys', headers: await h.bearer('good-user'), remoteAddress: '198.51.100.8' })).statusCode).toBe(200);
  });

  it('counts on the proxy too, and shares the count with every instance through Redis', async () => {
    const remoteAddress = '198.51.100.9';
    // Failures split between the proxy and the API add up to one count.
    for (let i = 0; i < 3; i++) expect((await proxy.inject({ url: '/v1/models', headers: { authorization: 'Bearer byok_guess' }, remoteAddress })).statusCode).toBe(401);
    for (let i = 0; i < 2; i++) expect((await api.inject({ url: '/api/v1/llm/byok/keys', headers: bad, remoteAddress })).statusCode).toBe(401);
    const onProxy = await proxy.inject({ url: '/v1/models', headers: await h.bearer('good-user'), remoteAddress });
    expect(onProxy.statusCode).toBe(429);
    expect(onProxy.headers['retry-after']).toBeDefined();
    expect((await api.inject({ url: '/api/v1/llm/byok/keys', headers: await h.bearer('good-user'), remoteAddress })).statusCode).toBe(429);
  });

  it('does not count expired tokens or missing credentials (not guesses)', async () => {
    const remoteAddress = '198.51.100.10';
    const expired = { authorization: `Bearer ${await h.api.token('late-user', { ttlSeconds: 1 })}` };
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    for (let i = 0; i < settings.maxFailures + 2; i++) {
      expect((await api.inject({ url: '/api/v1/llm/byok/keys', headers: expired, remoteAddress })).statusCode).toBe(401);
      expect((await api.inject({ url: '/api/v1/llm/byok/keys', remoteAddress })).statusCode).toBe(401);
    }
    expect((await api.inject({ url: '/api/v1/llm/byok/keys', headers: await h.bearer('good-user'), remoteAddress })).statusCode).toBe(200);
  }, 20_000);
});
