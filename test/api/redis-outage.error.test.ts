import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_KEYS, startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { testServiceUrls } from '../support/services.js';
import { startTcpSwitch, type TcpSwitch } from '../support/tcp-switch.js';

describe('Redis unavailable: enqueueing endpoints answer 503 and write nothing', () => {
  let h: ApiHarness;
  let redis: TcpSwitch;
  let alice: Record<string, string>;
  beforeAll(async () => {
    const target = new URL(testServiceUrls().redisUrl);
    redis = await startTcpSwitch({ host: target.hostname, port: Number(target.port || 6379) });
    h = await startApiHarness('redis_outage', { redisUrl: redis.url(testServiceUrls().redisUrl), env: { KEY_TEST_WAIT_MS: '0' } });
    alice = { authorization: `Bearer ${await h.token('alice')}` };
    expect((await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: alice, payload: { provider: 'groq', api_key: FAKE_KEYS.groq } })).statusCode).toBe(201);
  });
  afterAll(async () => {
    await redis.on().catch(() => undefined);
    await h.close();
    await redis.close();
  });

  it('answers 503 with Retry-After within 2 s, and no row or audit record is half-written', async () => {
    await redis.off();
    const started = Date.now();
    const save = await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: alice, payload: { provider: 'openrouter', api_key: FAKE_KEYS.openrouter } });
    expect(save.statusCode).toBe(503);
    expect(save.json().error.code).toBe('queue_unavailable');
    expect(save.headers['retry-after']).toBe('5');
    const replace = await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: alice, payload: { provider: 'groq', api_key: `gsk_${'0'.repeat(48)}` } });
    expect(replace.statusCode).toBe(503);
    const test = await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys/groq/test', headers: alice });
    expect(test.statusCode).toBe(503);
    expect(['queue_unavailable', 'redis_unavailable']).toContain(test.json().error.code);
    expect(Date.now() - started).toBeLessThan(2000 * 3);
    const rows = await h.db.sql<{ provider: string; key_version: number }>('SELECT provider, key_version FROM user_provider_keys');
    expect(rows).toEqual([{ provider: 'groq', key_version: 1 }]);
    expect(await h.db.sql('SELECT action FROM audit_log')).toEqual([{ action: 'key.created' }]);
    const ready = await h.app.inject({ url: '/readyz' });
    // #19.6: reads still work without Redis, so the API is degraded (200), not down.
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'degraded', checks: { postgres: 'ok', redis: 'down' } });
    expect((await h.app.inject({ url: '/healthz' })).statusCode).toBe(200);
  });

  it('recovers by itself when Redis returns', async () => {
    await redis.on();
    const deadline = Date.now() + 10_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: alice, payload: { provider: 'openrouter', api_key: FAKE_KEYS.openrouter } })).statusCode;
      if (status === 201) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(201);
  });
});
