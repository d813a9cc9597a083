import { fakeKey, type MockProviders, startMockProviders } from '@byok/mock-providers';
import { chatRoutes } from '@byok/mock-providers/chat';
import { chatAdapterFor, PROVIDER_IDS, PROVIDERS, type ProviderId } from '@byok/providers';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatBody, MODELS, runChat } from './chat-client.js';

/** Key scenarios on the chat routes, as the adapters report them; slow streams and client aborts. */

const SLOW_KEY_DELAY_MS = 150;
let mock: MockProviders;
beforeAll(async () => {
  mock = await startMockProviders({ extraRoutes: chatRoutes, slowDelayMs: SLOW_KEY_DELAY_MS });
});
afterAll(async () => mock.close());
beforeEach(() => mock.resetCalls());

const run = (provider: ProviderId, scenario: Parameters<typeof fakeKey>[1], stream = false) =>
  runChat(mock, provider, fakeKey(provider, scenario), chatBody(MODELS[provider], { stream }));

describe('key scenarios through the adapters', () => {
  it.each(PROVIDER_IDS)('%s: an unknown key is a 401 invalid_api_key (Gemini’s 400 included)', async (provider) => {
    for (const stream of [false, true]) {
      const { error } = await run(provider, 'invalid', stream);
      expect(error?.status).toBe(401);
      expect(error?.body.error.code).toBe('invalid_api_key');
      expect(error?.body.error.message).not.toContain('<');
    }
  });

  it.each([
    ['openrouter', 402, 'insufficient_quota'],
    ['openai', 429, 'insufficient_quota'],
    ['anthropic', 402, 'insufficient_quota'],
  ] as const)('%s: no credit is %i %s', async (provider, status, code) => {
    const { error } = await run(provider, 'no_credit');
    expect(error?.status).toBe(status);
    expect(error?.body.error.code).toBe(code);
  });

  it.each(PROVIDER_IDS)('%s: rate limited is a 429 rate_limit_exceeded with retry-after', async (provider) => {
    const { error } = await run(provider, 'rate_limited', true);
    expect(error?.status).toBe(429);
    expect(error?.body.error.code).toBe('rate_limit_exceeded');
    expect(error?.retryAfterSeconds).toBe(1);
  });

  it.each(PROVIDER_IDS)('%s: a server error is a 5xx server_error without HTML', async (provider) => {
    const { error } = await run(provider, 'server_error');
    expect(error?.status).toBeGreaterThanOrEqual(500);
    // Upstream types are kept when they are OpenAI-style (Groq says `internal_server_error`).
    expect(error?.body.error.type).toMatch(/server_error$/);
    expect(error?.body.error.message).not.toMatch(/<|openresty/);
  });

  it('the slow key scenario answers normally after the delay', async () => {
    const started = performance.now();
    const { completion } = await run('groq', 'slow');
    expect(performance.now() - started).toBeGreaterThanOrEqual(SLOW_KEY_DELAY_MS - 5);
    expect(completion?.body.choices[0]?.message.content).toBe('Hello from Groq');
  });
});

describe('slow streams and client aborts', () => {
  it.each(['openai', 'anthropic', 'google'] as const)('%s: a slow-stream model spaces its events', async (provider) => {
    const started = performance.now();
    const result = await runChat(mock, provider, fakeKey(provider, 'valid'), chatBody(`${MODELS[provider]}-slow-stream-40`, { stream: true }));
    expect(result.translator?.error()).toBeUndefined();
    // At least three gaps of 40 ms between the answer's events.
    expect(performance.now() - started).toBeGreaterThanOrEqual(3 * 40);
  });

  it.each(PROVIDER_IDS)('%s: the mock records a client that leaves mid-stream as aborted and stops writing', async (provider) => {
    const definition = PROVIDERS[provider];
    const built = chatAdapterFor(definition.chat).buildRequest({
      request: chatBody(`${MODELS[provider]}-slow-stream-300`, { stream: true }),
      upstreamModel: `${MODELS[provider]}-slow-stream-300`,
      apiKey: fakeKey(provider, 'valid'),
      baseUrl: mock.baseUrls[provider],
      spec: definition.chat,
      auth: definition.auth,
    });
    if (!built.ok) throw new Error(built.error.body.error.message);
    const res = await request(built.value.url, { method: 'POST', headers: built.value.headers, body: built.value.body });
    expect(res.statusCode).toBe(200);
    for await (const _first of res.body) break;
    res.body.destroy();

    const deadline = Date.now() + 2000;
    let calls = mock.calls({ provider });
    while (!calls.at(-1)?.aborted && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      calls = mock.calls({ provider });
    }
    expect(calls.at(-1)).toMatchObject({ route: expect.stringMatching(/chat|messages|generate/), aborted: true });
  });
});
