import type { MockRoute } from '@byok/mock-providers';
import { fakeKey, guard, type MockProviders, startMockProviders, startSse, writeSseStream } from '@byok/mock-providers';
import { PROVIDER_IDS, type ProviderId } from '@byok/providers';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectNoKeyMaterial } from './test-helpers.js';

/** The key-check request of each provider, below its base URL, and how its key is presented. */
const CHECK: Record<ProviderId, { method: 'GET' | 'POST'; path: string; auth: (key: string) => Record<string, string> }> = {
  openrouter: { method: 'GET', path: '/key', auth: (k) => ({ authorization: `Bearer ${k}` }) },
  openai: { method: 'GET', path: '/models', auth: (k) => ({ authorization: `Bearer ${k}` }) },
  anthropic: { method: 'GET', path: '/v1/models', auth: (k) => ({ 'x-api-key': k, 'anthropic-version': '2023-06-01' }) },
  google: { method: 'GET', path: '/v1beta/models', auth: (k) => ({ 'x-goog-api-key': k }) },
  cohere: { method: 'POST', path: '/v1/check-api-key', auth: (k) => ({ authorization: `Bearer ${k}` }) },
  together: { method: 'GET', path: '/models', auth: (k) => ({ authorization: `Bearer ${k}` }) },
  groq: { method: 'GET', path: '/models', auth: (k) => ({ authorization: `Bearer ${k}` }) },
  perplexity: { method: 'POST', path: '/chat/completions', auth: (k) => ({ authorization: `Bearer ${k}` }) },
};

/** Status and a body fragment for a missing and for an invalid key, per providers.md. */
const REJECT: Record<ProviderId, { missing: [number, string]; invalid: [number, string] }> = {
  openrouter: { missing: [401, 'No auth credentials found'], invalid: [401, 'User not found.'] },
  openai: { missing: [401, "You didn't provide an API key"], invalid: [401, '"code":"invalid_api_key"'] },
  anthropic: { missing: [401, 'authentication_error'], invalid: [401, '"message":"invalid x-api-key"'] },
  google: { missing: [403, 'unregistered callers'], invalid: [400, 'API_KEY_INVALID'] },
  cohere: { missing: [401, 'no api key supplied'], invalid: [401, '{"message":"invalid api token"}'] },
  together: { missing: [401, 'invalid_api_key'], invalid: [401, 'Invalid API key provided'] },
  groq: { missing: [401, 'Invalid API Key'], invalid: [401, 'Invalid API Key'] },
  perplexity: { missing: [401, '<title>401 Authorization Required</title>'], invalid: [401, '"type":"invalid_api_key"'] },
};

// Routes another helper would add; here they prove the extension point and the SSE writer.
const sseRoute: MockRoute = {
  name: 'test-sse',
  provider: 'openai',
  method: 'POST',
  path: /^\/v1\/test-stream\/(\d+)$/,
  async handle(ctx) {
    if (!(await guard(ctx))) return;
    const n = Number(ctx.params[0]);
    startSse(ctx.res);
    const events = Array.from({ length: n }, (_, i) => ({ data: { i } }));
    await writeSseStream(ctx.res, [{ comment: 'OPENROUTER PROCESSING' }, ...events, { data: '[DONE]' }], { split: 1, signal: ctx.signal });
  },
};
const overrideRoute: MockRoute = {
  name: 'test-override',
  provider: 'groq',
  method: 'GET',
  path: '/openai/v1/models',
  handle: (ctx) => void ctx.res.writeHead(418).end('overridden'),
};

let mock: MockProviders;
beforeAll(async () => {
  mock = await startMockProviders({ slowDelayMs: 2000, extraRoutes: [sseRoute] });
});
afterAll(async () => mock.close());
beforeEach(() => mock.resetCalls());

async function call(provider: ProviderId, headers: Record<string, string>, path = CHECK[provider].path, method = CHECK[provider].method) {
  const body = method === 'POST' ? JSON.stringify({ model: 'sonar', max_tokens: 1, messages: [{ role: 'user', content: 'ping' }] }) : null;
  const res = await request(`${mock.baseUrls[provider]}${path}`, { method, headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

describe('mock auth, per provider', () => {
  it.each(PROVIDER_IDS)('%s answers a valid key with 200', async (provider) => {
    const res = await call(provider, CHECK[provider].auth(fakeKey(provider, 'valid')));
    expect(res.status).toBe(200);
  });

  it.each(PROVIDER_IDS)('%s answers a missing key with its real status and body', async (provider) => {
    const res = await call(provider, {});
    const [status, fragment] = REJECT[provider].missing;
    expect(res.status).toBe(status);
    expect(res.text).toContain(fragment);
  });

  it.each(PROVIDER_IDS)('%s answers an invalid key with its real status and body', async (provider) => {
    const key = fakeKey(provider, 'invalid');
    const res = await call(provider, CHECK[provider].auth(key));
    const [status, fragment] = REJECT[provider].invalid;
    expect(res.status).toBe(status);
    expect(res.text).toContain(fragment);
    const [recorded] = mock.calls({ provider });
    expect(recorded?.scenario).toBe('invalid');
    expectNoKeyMaterial(JSON.stringify(mock.calls()), key);
  });

  it.each(['openrouter', 'openai', 'cohere', 'together', 'groq', 'perplexity'] as const)(
    '%s treats a key without the Bearer prefix as missing',
    async (provider) => {
      const res = await call(provider, { authorization: fakeKey(provider, 'valid') });
      expect(res.status).toBe(REJECT[provider].missing[0]);
      expect(res.text).toContain(REJECT[provider].missing[1]);
    },
  );

  it('OpenAI echoes a masked key, like the real API', async () => {
    const key = fakeKey('openai', 'invalid');
    const res = await call('openai', { authorization: `Bearer ${key}` });
    expect(res.text).toContain(`Incorrect API key provided: ${key.slice(0, 8)}****${key.slice(-4)}.`);
  });

  it('Anthropic requires anthropic-version, and ignores bearer auth', async () => {
    const key = fakeKey('anthropic', 'valid');
    const noVersion = await call('anthropic', { 'x-api-key': key });
    expect(noVersion.status).toBe(400);
    expect(noVersion.text).toContain('anthropic-version');
    const asBearer = await call('anthropic', { authorization: `Bearer ${key}`, 'anthropic-version': '2023-06-01' });
    expect(asBearer.status).toBe(401);
  });

  it('Gemini accepts ?key= and the call record masks it', async () => {
    const key = fakeKey('google', 'valid');
    const res = await call('google', {}, `/v1beta/models?key=${key}`);
    expect(res.status).toBe(200);
    expect(mock.calls({ provider: 'google' })[0]?.path).toBe('/v1beta/models?key=***');
  });

  it('Perplexity answers a malformed key with the openresty HTML page', async () => {
    const res = await call('perplexity', { authorization: 'Bearer pplx-not-a-real-format' });
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toBe('text/html');
    expect(res.text).toContain('openresty');
  });

  it('Perplexity has no models route', async () => {
    const res = await call('perplexity', { authorization: `Bearer ${fakeKey('perplexity', 'valid')}` }, '/models', 'GET');
    expect(res.status).toBe(404);
  });

  it('Gemini answers 400 API_KEY_INVALID for a key that is not even well-formed', async () => {
    const res = await call('google', { 'x-goog-api-key': 'nonsense' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('API_KEY_INVALID');
  });
});

describe('mock scenarios on the wire', () => {
  it('rate_limited sends retry-after and the provider rate-limit headers', async () => {
    const openai = await call('openai', CHECK.openai.auth(fakeKey('openai', 'rate_limited')));
    expect(openai.status).toBe(429);
    expect(openai.headers['retry-after']).toBe('1');
    expect(openai.headers['x-ratelimit-remaining-requests']).toBe('0');
    const anthropic = await call('anthropic', CHECK.anthropic.auth(fakeKey('anthropic', 'rate_limited')));
    expect(anthropic.headers['anthropic-ratelimit-requests-remaining']).toBe('0');
    expect(anthropic.text).toContain('rate_limit_error');
  });

  it('rate_limited_once limits only the first call of each key', async () => {
    const key = fakeKey('groq', 'rate_limited_once', 'wire');
    expect((await call('groq', CHECK.groq.auth(key))).status).toBe(429);
    expect((await call('groq', CHECK.groq.auth(key))).status).toBe(200);
    const other = fakeKey('groq', 'rate_limited_once', 'wire-2');
    expect((await call('groq', CHECK.groq.auth(other))).status).toBe(429);
  });

  it('redirect points at a target on the mock', async () => {
    const res = await call('together', CHECK.together.auth(fakeKey('together', 'redirect')));
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`${mock.url}/__redirect-target/together`);
  });

  it('slow answers late, and records an abort when the client leaves', async () => {
    const started = Date.now();
    await expect(
      request(`${mock.baseUrls.openai}/models`, {
        headers: { authorization: `Bearer ${fakeKey('openai', 'slow')}` },
        signal: AbortSignal.timeout(200),
      }),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1000);
    await expect.poll(() => mock.calls({ provider: 'openai' })[0]?.aborted).toBe(true);
  });

  it('close() does not wait for pending slow answers', async () => {
    const own = await startMockProviders({ slowDelayMs: 60_000 });
    const pending = request(`${own.baseUrls.groq}/models`, { headers: { authorization: `Bearer ${fakeKey('groq', 'slow')}` } }).catch(() => 'closed');
    await expect.poll(() => own.calls().length).toBe(1);
    const started = Date.now();
    await own.close();
    expect(await pending).toBe('closed');
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('extension points', () => {
  it('extra routes run before built-in ones', async () => {
    const own = await startMockProviders({ extraRoutes: [overrideRoute] });
    try {
      const res = await request(`${own.baseUrls.groq}/models`);
      expect(res.statusCode).toBe(418);
      expect(await res.body.text()).toBe('overridden');
      expect(own.calls()[0]?.route).toBe('test-override');
    } finally {
      await own.close();
    }
  });

  it('SSE events are flushed one by one and can be split across writes', async () => {
    const res = await request(`${mock.baseUrls.openai}/test-stream/3`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fakeKey('openai', 'valid')}` },
    });
    expect(res.headers['content-type']).toBe('text/event-stream');
    const chunks: string[] = [];
    for await (const c of res.body) chunks.push(Buffer.from(c as Uint8Array).toString('utf8'));
    expect(chunks.join('')).toBe(': OPENROUTER PROCESSING\n\ndata: {"i":0}\n\ndata: {"i":1}\n\ndata: {"i":2}\n\ndata: [DONE]\n\n');
    // Events were split in two, so chunk boundaries fall inside events, not only between them.
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.slice(0, -1).some((c) => !c.endsWith('\n\n'))).toBe(true);
  });
});
