import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testServiceUrls } from '../support/services.js';
import { startTcpSwitch, type TcpSwitch } from '../support/tcp-switch.js';
import { startProxyHarness, waitFor, type ProxyHarness, type ProxyInstance } from './support/proxy-harness.js';

/**
 * Redis goes away under a proxy instance (its connections run through a TCP switch): requests are
 * still served — routes come from memory, or from Postgres — and their usage events wait in memory
 * until Redis is back, then all arrive, once each.
 */

let h: ProxyHarness;
let redisSwitch: TcpSwitch;
let cut: ProxyInstance;
beforeAll(async () => {
  const target = new URL(testServiceUrls().redisUrl);
  redisSwitch = await startTcpSwitch({ host: target.hostname, port: Number(target.port || 6379) });
  h = await startProxyHarness('proxy_redis_outage');
  cut = await h.startProxy({ redisUrl: redisSwitch.url(testServiceUrls().redisUrl) });
});
afterAll(async () => {
  await redisSwitch?.on().catch(() => undefined);
  await h?.close();
  await redisSwitch?.close();
});

async function chat(instance: ProxyInstance, authorization: string) {
  const res = await request(`${instance.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi there' }] }),
  });
  await res.body.dump();
  return { status: res.statusCode, requestId: String(res.headers['x-request-id']) };
}

describe('Redis unavailable', () => {
  it('keeps serving, buffers usage events, and delivers each once when Redis returns', async () => {
    await h.addKey('cached-user', 'openai');
    await h.addKey('token-user', 'openrouter');
    await h.addKey('cold-user', 'openai');
    const jwt = `Bearer ${await h.jwt('cached-user')}`;
    const token = `Bearer ${(await h.gatewayToken('token-user')).token}`;
    const warm = [await chat(cut, jwt), await chat(cut, token)];
    expect(warm.map((r) => r.status)).toEqual([200, 200]);
    await waitFor(() => cut.services.usage.buffered === 0, 3000, 'the warm-up events to be delivered');

    await redisSwitch.off();
    const during = [];
    for (let i = 0; i < 5; i++) during.push(await chat(cut, jwt), await chat(cut, token));
    // A user not cached yet is loaded from Postgres, which is still there.
    during.push(await chat(cut, `Bearer ${await h.jwt('cold-user')}`));
    expect(during.map((r) => r.status)).toEqual(during.map(() => 200));
    await waitFor(() => cut.services.usage.buffered === during.length, 3000, 'the events to be buffered');
    expect(cut.logs.join('')).toContain('usage events wait in memory');

    await redisSwitch.on();
    await waitFor(() => cut.services.usage.buffered === 0, 15_000, 'the buffer to drain after Redis returned');
    const events = await h.usageEvents();
    for (const { requestId } of [...warm, ...during]) expect(events.filter((e) => e.requestId === requestId)).toHaveLength(1);
    expect(cut.services.usage.dropped).toBe(0);
  });
});
