import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxyHarness, type ProxyHarness, type ProxyInstance } from './support/proxy-harness.js';

/**
 * Issue #12 (Limits), "per-user request limits on the proxy": `PROXY_RATE_LIMIT_RPM` counts a
 * user's platform-key requests in Redis, so two proxy instances share one count and the request
 * past it gets 429 with Retry-After on either; BYOK requests are not limited by default
 * (`PROXY_BYOK_RATE_LIMIT_RPM` = 0) and have their own count when they are.
 */
const RPM = 5;

let h: ProxyHarness;
let second: ProxyInstance;
beforeAll(async () => {
  h = await startProxyHarness('proxy_rate_limit', { systemKeyProviders: ['openai'], settings: { rateLimitRpm: RPM } });
  second = await h.startProxy();
});
afterAll(async () => {
  await h?.close();
});

async function chat(proxy: ProxyInstance, userId: string) {
  const res = await request(`${proxy.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await h.jwt(userId)}` },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  });
  const text = await res.body.text();
  return { status: res.statusCode, retryAfter: res.headers['retry-after'], byok: res.headers['x-byok-used'], text };
}

describe('per-user request rate on the proxy', () => {
  it('platform-key requests share one count across two instances; the one past it gets 429 + Retry-After on either', async () => {
    await h.grantCredits('platform-user', 10_000_000);
    const statuses: number[] = [];
    for (let i = 0; i < RPM; i++) statuses.push((await chat(i % 2 === 0 ? h.proxy : second, 'platform-user')).status);
    expect(statuses).toEqual(Array(RPM).fill(200));
    for (const proxy of [h.proxy, second]) {
      const refused = await chat(proxy, 'platform-user');
      expect(refused.status, refused.text).toBe(429);
      const retryAfter = Number(refused.retryAfter);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(JSON.parse(refused.text).error).toMatchObject({ code: 'rate_limited', message: expect.stringContaining(`at most ${RPM} per minute`) });
    }
    // Another user has a count of their own.
    await h.grantCredits('other-user', 10_000_000);
    expect((await chat(second, 'other-user')).status).toBe(200);
  });

  it('BYOK requests are not limited by default', async () => {
    await h.addKey('byok-user', 'openai');
    for (let i = 0; i < RPM * 2; i++) {
      const res = await chat(i % 2 === 0 ? h.proxy : second, 'byok-user');
      expect(res.status, res.text).toBe(200);
      expect(res.byok).toBe('true');
    }
  });

  it('PROXY_BYOK_RATE_LIMIT_RPM limits BYOK requests with a count of their own', async () => {
    const limited = await h.startProxy({ settings: { rateLimitRpm: RPM, byokRateLimitRpm: 2 } });
    await h.addKey('byok-limited', 'openai');
    expect((await chat(limited, 'byok-limited')).status).toBe(200);
    expect((await chat(limited, 'byok-limited')).status).toBe(200);
    const refused = await chat(limited, 'byok-limited');
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.text).error.message).toContain('through your own keys');
  });
});
