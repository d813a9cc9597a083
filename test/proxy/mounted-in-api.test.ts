import { buildApi } from '@byok/api';
import { proxyPlugin, startProxyServices, type ProxyServices } from '@byok/proxy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxyHarness, type ProxyHarness } from './support/proxy-harness.js';

/**
 * Standalone mode mounts the proxy's routes in the API's own Fastify instance (one port). The
 * routes behave the same there, errors keep the API's one shape, and the API's routes and
 * documentation are unaffected.
 */

let h: ProxyHarness;
let app: Awaited<ReturnType<typeof buildApi>>;
let services: ProxyServices;
beforeAll(async () => {
  h = await startProxyHarness('proxy_mounted', { systemKeyProviders: ['openai'] });
  app = await buildApi(h.api.runtime);
  services = await startProxyServices(h.api.runtime, { settings: {} });
  await app.register(proxyPlugin, { services });
  app.addHook('onClose', () => services.close(1000));
  await app.ready();
  await h.addKey('mounted-user', 'openai');
});
afterAll(async () => {
  await app?.close();
  await h?.close();
});

const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello to me' }] };

describe('proxy routes inside the API', () => {
  it('serve chat completions on both paths', async () => {
    const headers = { authorization: `Bearer ${await h.jwt('mounted-user')}` };
    for (const url of ['/api/v1/llm/chat/completions', '/v1/chat/completions']) {
      const res = await app.inject({ method: 'POST', url, headers, payload: body });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ object: 'chat.completion', choices: [{ message: { content: 'Hello from OpenAI' } }] });
      expect(res.headers['x-byok-provider']).toBe('openai');
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('stream through the API instance', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/llm/chat/completions', headers: { authorization: `Bearer ${await h.jwt('mounted-user')}` }, payload: { ...body, stream: true } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(res.body.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(res.headers['x-request-id']).toMatch(/\S/);
  });

  it('answer errors in the API\'s shape, like the API\'s own routes', async () => {
    const headers = { authorization: `Bearer ${await h.jwt('broke-user')}` };
    const proxyError = await app.inject({ method: 'POST', url: '/api/v1/llm/chat/completions', headers, payload: body });
    expect(proxyError.statusCode).toBe(402);
    expect(proxyError.json()).toEqual({ error: { code: 'insufficient_credits', message: expect.any(String), request_id: proxyError.headers['x-request-id'] } });

    const invalid = await app.inject({ method: 'POST', url: '/api/v1/llm/chat/completions', headers, payload: { ...body, messages: [] } });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json()).toMatchObject({ error: { code: 'validation_failed', message: 'body/messages: must not have fewer than 1 items' } });

    const apiError = await app.inject({ method: 'GET', url: '/api/v1/llm/byok/keys/nope', headers });
    expect(Object.keys(apiError.json<{ error: object }>().error).sort()).toEqual(['code', 'details', 'message', 'request_id']);
    const unauthenticated = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: body });
    expect(unauthenticated.statusCode).toBe(401);
    expect(unauthenticated.json()).toMatchObject({ error: { code: 'missing_credentials' } });
  });

  it('keep the API\'s own request-body rules to the API\'s routes', async () => {
    // The proxy's 10 MB body limit does not leak into the API (64 KB).
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/llm/byok/keys',
      headers: { authorization: `Bearer ${await h.jwt('mounted-user')}` },
      payload: { provider: 'openai', api_key: 'x'.repeat(100_000) },
    });
    expect(res.statusCode).toBe(413);
  });

  it('appear in the API\'s OpenAPI document', async () => {
    const doc = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(Object.keys(doc.json<{ paths: object }>().paths)).toEqual(expect.arrayContaining(['/v1/chat/completions', '/api/v1/llm/chat/completions', '/v1/models']));
  });
});
