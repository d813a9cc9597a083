import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_KEYS, startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { testServiceUrls } from '../support/services.js';
import { startTcpSwitch, type TcpSwitch } from '../support/tcp-switch.js';

describe('key listings without Redis (#14): health is unknown, the listing still answers', () => {
  let h: ApiHarness;
  let redis: TcpSwitch;
  let alice: Record<string, string>;
  beforeAll(async () => {
    const target = new URL(testServiceUrls().redisUrl);
    redis = await startTcpSwitch({ host: target.hostname, port: Number(target.port || 6379) });
    h = await startApiHarness('key_pool_redis_outage', { redisUrl: redis.url(testServiceUrls().redisUrl), env: { KEY_TEST_WAIT_MS: '0' } });
    alice = { authorization: `Bearer ${await h.token('alice')}` };
    expect((await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: alice, payload: { provider: 'groq', api_key: FAKE_KEYS.groq } })).statusCode).toBe(201);
  });
  afterAll(async () => {
    await redis.on().catch(() => undefined);
    await h.close();
    await redis.close();
  });

  it('GET /keys, /keys/{provider} and /keys/by-id/{id} answer 200 with health null, and again with health when Redis is back', async () => {
    const listed = await h.app.inject({ method: 'GET', url: '/api/v1/llm/byok/keys', headers: alice });
    const id = listed.json().keys[0].id;
    expect(listed.json().keys[0].health).toMatchObject({ state: 'ok' });
    await redis.off();
    for (const url of ['/api/v1/llm/byok/keys', '/api/v1/llm/byok/keys/groq', `/api/v1/llm/byok/keys/by-id/${id}`]) {
      const res = await h.app.inject({ method: 'GET', url, headers: alice });
      expect(res.statusCode, url).toBe(200);
      const key = url.endsWith('/keys') ? res.json().keys[0] : res.json();
      expect(key).toMatchObject({ id, label: 'default', health: null });
    }
    expect(h.logs.join('')).toContain('key health unavailable');
    await redis.on();
    let health: unknown = null;
    for (let i = 0; i < 50 && health === null; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      health = (await h.app.inject({ method: 'GET', url: '/api/v1/llm/byok/keys', headers: alice })).json().keys[0].health;
    }
    expect(health).toMatchObject({ state: 'ok' });
  });
});
