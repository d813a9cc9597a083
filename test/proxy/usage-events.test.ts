import type { Redis } from 'ioredis';
import OpenAI from 'openai';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxyHarness, waitFor, type ProxyHarness } from './support/proxy-harness.js';

/**
 * Exactly one usage event per proxied request, emitted after the response, with the path, tokens,
 * cost and credits — and nothing in Redis (job data or otherwise) that is a key, a token or a
 * prompt.
 */

let h: ProxyHarness;
const secrets: string[] = [];
beforeAll(async () => {
  h = await startProxyHarness('proxy_usage', { systemKeyProviders: ['openai', 'anthropic'] });
  for (const [user, provider] of [['u-or', 'openrouter'], ['u-oa', 'openai'], ['u-an', 'anthropic'], ['u-ge', 'google']] as const) {
    secrets.push((await h.addKey(user, provider)).apiKey);
  }
  secrets.push(...Object.values(h.systemKeys).filter((k): k is string => k !== undefined));
  await h.grantCredits('u-sys', 10_000_000);
});
afterAll(async () => h?.close());

const PROMPT = 'Tell me a secret about purple elephants';

async function dumpPrefix(redis: Redis, prefix: string): Promise<string> {
  const parts: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      const value =
        type === 'string' ? await redis.get(key)
        : type === 'hash' ? await redis.hgetall(key)
        : type === 'list' ? await redis.lrange(key, 0, -1)
        : type === 'set' ? await redis.smembers(key)
        : type === 'zset' ? await redis.zrange(key, '0', '-1')
        : type === 'stream' ? await redis.xrange(key, '-', '+')
        : null;
      parts.push(key, JSON.stringify(value));
    }
  } while (cursor !== '0');
  return parts.join('\n');
}

describe('usage events', () => {
  const sent: Array<{ requestId: string; user: string; stream: boolean }> = [];

  beforeAll(async () => {
    const cases = [
      ['u-or', 'gpt-4o-mini'],
      ['u-oa', 'gpt-4o-mini'],
      ['u-an', 'claude-3-5-haiku-latest'],
      ['u-ge', 'gemini-2.0-flash'],
      ['u-sys', 'gpt-4o-mini'],
    ] as const;
    for (const [user, model] of cases) {
      for (const stream of [false, true]) {
        const client = new OpenAI({ baseURL: `${h.proxy.url}/v1`, apiKey: (await h.gatewayToken(user)).token, maxRetries: 0 });
        if (stream) {
          const { data, response } = await client.chat.completions.create({ model, messages: [{ role: 'user', content: PROMPT }], stream: true }).withResponse();
          for await (const _ of data) void _;
          sent.push({ requestId: response.headers.get('x-request-id') ?? '', user, stream });
        } else {
          const { response } = await client.chat.completions.create({ model, messages: [{ role: 'user', content: PROMPT }] }).withResponse();
          sent.push({ requestId: response.headers.get('x-request-id') ?? '', user, stream });
        }
      }
    }
    // A client-chosen request id is not trusted as the usage id (credits are charged once per id).
    const res = await request(`${h.proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await h.jwt('u-oa')}`, 'x-request-id': 'client-chosen-id' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: PROMPT }] }),
    });
    await res.body.text();
    sent.push({ requestId: String(res.headers['x-request-id']), user: 'u-oa', stream: false });
    await waitFor(async () => (await h.usageEvents()).length >= sent.length, 5000, 'all usage events');
  });

  it('emits exactly one event per request, keyed by the request id the client saw', async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const events = await h.usageEvents();
    expect(events.map((e) => e.requestId).sort()).toEqual(sent.map((s) => s.requestId).sort());
    expect(new Set(events.map((e) => e.requestId)).size).toBe(events.length);
    expect(sent.at(-1)?.requestId).not.toBe('client-chosen-id');
  });

  it('records the path, tokens, cost and credits of each', async () => {
    const events = await h.usageEvents();
    const of = (user: string, stream: boolean) => {
      const id = sent.find((s) => s.user === user && s.stream === stream)?.requestId;
      return events.find((e) => e.requestId === id);
    };
    for (const stream of [false, true]) {
      expect(of('u-or', stream)).toMatchObject({ provider: 'openrouter', model: 'openai/gpt-4o-mini', credentialSource: 'user_openrouter', creditsMicro: 0, statusCode: 200, stream });
      expect(of('u-oa', stream)).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', credentialSource: 'user_provider', creditsMicro: 0, promptTokens: 7, completionTokens: 3 });
      expect(of('u-an', stream)).toMatchObject({ provider: 'anthropic', credentialSource: 'user_provider', promptTokens: 7, completionTokens: 3 });
      expect(of('u-ge', stream)).toMatchObject({ provider: 'google', credentialSource: 'user_provider', promptTokens: 7, completionTokens: 4 });
      // gpt-4o-mini: $0.15 / $0.60 per million tokens → 7 × 0.15 + 3 × 0.6 = 2.85 → 3 micro-dollars.
      expect(of('u-sys', stream)).toMatchObject({ provider: 'openai', credentialSource: 'system', promptTokens: 7, completionTokens: 3, costMicro: 3, creditsMicro: 3 });
      expect(of('u-sys', stream)?.keyId).toBeUndefined();
      expect(of('u-oa', stream)?.keyId).toMatch(/^[0-9a-f-]{36}$/);
    }
    for (const event of events) {
      expect(event.latencyMs).toBeGreaterThanOrEqual(0);
      expect(event.ttfbMs).toBeLessThanOrEqual(event.latencyMs);
      expect(Date.parse(event.occurredAt)).toBeGreaterThan(Date.now() - 60_000);
    }
  });

  it('puts no key, token, credential or prompt anywhere under the Redis prefix', async () => {
    const dump = await dumpPrefix(h.proxy.runtime.redis, h.api.redisPrefix);
    expect(dump).toContain('usage-events');
    for (const secret of secrets) {
      expect(dump).not.toContain(secret);
      expect(dump).not.toContain(secret.slice(-16));
    }
    expect(dump).not.toContain('byok_');
    expect(dump).not.toContain('purple elephants');
    expect(dump).not.toMatch(/Bearer /);
  });

  it('logs no key material', () => {
    const logs = h.proxy.logs.join('');
    for (const secret of secrets) expect(logs).not.toContain(secret.slice(-16));
    expect(logs).not.toContain('purple elephants');
  });
});
