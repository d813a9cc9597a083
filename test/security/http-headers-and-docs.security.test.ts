import type { InjectOptions } from 'fastify';
import { buildApi } from '@byok/api';
import { buildProxy } from '@byok/proxy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeKey } from '@byok/mock-providers';
import { startSecurityHarness, type SecurityHarness } from './support/security-harness.js';

// Issue #12 (Low, "Headers"): `X-Content-Type-Options: nosniff` on every response, HSTS when
// PUBLIC_URL is https, `/docs/json` public in production only with API_DOCS_PUBLIC=true; and the
// provider catalogue public again (the earlier system's health check got 401).

let h: SecurityHarness;
beforeAll(async () => {
  h = await startSecurityHarness('http_headers');
});
afterAll(() => h?.close());

type Inject = InjectOptions;

/** One request of each kind of answer: success, refusal, not found, bad input, static, page, proxy. */
const EVERY_KIND: ReadonlyArray<{ name: string; request: Inject }> = [
  { name: 'a JSON 200', request: { url: '/api/v1/llm/byok/providers' } },
  { name: 'a 401', request: { url: '/api/v1/llm/byok/keys' } },
  { name: 'a 404', request: { url: '/no/such/route' } },
  { name: 'a malformed URL (router error)', request: { url: '/api/v1/llm/byok/keys/%zz' } },
  { name: 'invalid JSON', request: { method: 'POST', url: '/api/v1/llm/tokens', headers: { 'content-type': 'application/json', authorization: 'Bearer x.y.z' }, payload: '{' } },
  { name: 'the OpenAPI document', request: { url: '/docs/json' } },
  { name: 'the web page', request: { url: '/' } },
  { name: 'a static asset', request: { url: '/assets/index-fixture.js' } },
  { name: 'the proxy (mounted)', request: { url: '/v1/models' } },
  { name: 'the job dashboard', request: { url: '/admin/queues/api/queues' } },
  { name: 'the readiness probe', request: { url: '/readyz' } },
];

describe('X-Content-Type-Options: nosniff on every response', () => {
  it.each(EVERY_KIND)('is on $name', async ({ request }) => {
    const res = await h.app.inject(request);
    expect(res.headers['x-content-type-options'], `${res.statusCode} ${res.body.slice(0, 100)}`).toBe('nosniff');
  });

  it('is on a streamed chat answer (the proxy writes those headers itself)', async () => {
    const user = await h.bearer('stream-user');
    expect((await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: user, payload: { provider: 'openai', api_key: fakeKey('openai', 'valid', 'headers') } })).statusCode).toBe(201);
    const res = await h.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: user, payload: { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/event-stream/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('is on the proxy running as its own process too', async () => {
    const proxy = await buildProxy(h.api.runtime, { services: h.services });
    try {
      for (const url of ['/healthz', '/v1/models', '/nope']) expect((await proxy.inject({ url })).headers['x-content-type-options'], url).toBe('nosniff');
    } finally {
      await proxy.close();
    }
  });
});

describe('Strict-Transport-Security', () => {
  it('is not sent when the service is reached over plain http', async () => {
    expect(h.api.config.publicUrl).toMatch(/^http:/);
    expect((await h.app.inject({ url: '/api/v1/llm/byok/providers' })).headers['strict-transport-security']).toBeUndefined();
  });

  it('is sent on every response when PUBLIC_URL is https, by the API and the proxy', async () => {
    const config = { ...h.api.config, publicUrl: 'https://gateway.example' };
    const api = await buildApi({ ...h.api.runtime, config });
    const proxy = await buildProxy({ ...h.api.runtime, config }, { services: h.services });
    try {
      // Not the router's malformed-URL answer: it is sent before any hook runs (nosniff is set by
      // the error reply itself, HSTS from any other response suffices for the browser).
      for (const { request } of EVERY_KIND.filter((kind) => !kind.name.startsWith('a malformed URL'))) {
        expect((await api.inject(request)).headers['strict-transport-security']).toMatch(/^max-age=31536000; includeSubDomains$/);
      }
      expect((await proxy.inject({ url: '/v1/models' })).headers['strict-transport-security']).toMatch(/^max-age=\d+/);
    } finally {
      await api.close();
      await proxy.close();
    }
  });
});

describe('/docs in production', () => {
  async function production(apiDocsPublic: boolean) {
    const app = await buildApi({ ...h.api.runtime, config: { ...h.api.config, production: true, env: 'production', apiDocsPublic } });
    await app.ready();
    return app;
  }

  it('needs a signed-in caller unless API_DOCS_PUBLIC=true', async () => {
    const app = await production(false);
    try {
      for (const url of ['/docs/json', '/docs/yaml', '/docs']) {
        const res = await app.inject({ url });
        expect(res.statusCode, url).toBe(401);
        expect(res.json<{ error: { code: string } }>().error.code).toBe('missing_credentials');
      }
      const signedIn = await app.inject({ url: '/docs/json', headers: await h.bearer('docs-reader') });
      expect(signedIn.statusCode).toBe(200);
      expect(signedIn.json<{ openapi: string }>().openapi).toBe('3.1.0');
    } finally {
      await app.close();
    }
  });

  it('is public in production with API_DOCS_PUBLIC=true, and always outside production', async () => {
    const app = await production(true);
    try {
      expect((await app.inject({ url: '/docs/json' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
    expect((await h.app.inject({ url: '/docs/json' })).statusCode).toBe(200);
  });
});

describe('the provider catalogue', () => {
  it('answers without credentials, as the earlier system\'s health check expects', async () => {
    const res = await h.app.inject({ url: '/api/v1/llm/byok/providers' });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ providers: Array<{ id: string }> }>().providers.map((p) => p.id)).toHaveLength(8);
    const documented = h.operations.find((op) => op.method === 'GET' && op.path === '/api/v1/llm/byok/providers');
    expect(documented?.public).toBe(true);
  });
});

describe('an unknown byok_ gateway token', () => {
  it.each(['/api/v1/llm/byok/keys', '/v1/models'])('is called unknown or revoked on %s, not "not a signed JWT"', async (url) => {
    const res = await h.app.inject({ url, headers: { authorization: 'Bearer byok_not-a-real-token' } });
    expect(res.statusCode).toBe(401);
    expect(res.json<{ error: { code: string; message: string } }>().error).toMatchObject({ code: 'invalid_token', message: expect.stringMatching(/unknown or revoked/) });
  });

  it('a real gateway token sent to the API is told it works with the proxy only', async () => {
    const created = await h.app.inject({ method: 'POST', url: '/api/v1/llm/tokens', headers: await h.bearer('token-owner'), payload: { name: 'cli' } });
    const res = await h.app.inject({ url: '/api/v1/llm/byok/keys', headers: { authorization: `Bearer ${created.json<{ token: string }>().token}` } });
    expect(res.statusCode).toBe(401);
    expect(res.json<{ error: { message: string } }>().error.message).toMatch(/proxy routes only/);
  });
});
