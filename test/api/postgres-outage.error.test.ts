import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_KEYS, startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { startTcpSwitch, type TcpSwitch } from '../support/tcp-switch.js';
import { testServiceUrls } from '../support/services.js';

describe('Postgres unavailable: 503 db_unavailable, never 500, and recovery without restart', () => {
  let h: ApiHarness;
  let pgSwitch: TcpSwitch;
  let alice: Record<string, string>;
  beforeAll(async () => {
    const target = new URL(testServiceUrls().postgresAdminUrl);
    pgSwitch = await startTcpSwitch({ host: target.hostname, port: Number(target.port || 5432) });
    h = await startApiHarness('pg_outage', { databaseUrl: (db) => pgSwitch.url(db.url) });
    alice = { authorization: `Bearer ${await h.token('alice')}` };
    expect((await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: alice, payload: { provider: 'groq', api_key: FAKE_KEYS.groq } })).statusCode).toBe(201);
  });
  afterAll(async () => {
    await pgSwitch.on().catch(() => undefined);
    await h.close();
    await pgSwitch.close();
  });

  it('answers 503 db_unavailable on reads and writes while Postgres is away; liveness holds, readiness fails', async () => {
    await pgSwitch.off();
    for (const request of [
      { method: 'GET' as const, url: '/api/v1/llm/byok/keys' },
      { method: 'POST' as const, url: '/api/v1/llm/byok/keys', payload: { provider: 'openrouter', api_key: FAKE_KEYS.openrouter } },
      { method: 'DELETE' as const, url: '/api/v1/llm/byok/keys/groq' },
    ]) {
      const started = Date.now();
      const res = await h.app.inject({ ...request, headers: alice });
      expect(res.statusCode, request.url).toBe(503);
      expect(res.json().error).toMatchObject({ code: 'db_unavailable', message: 'The database is unavailable; retry shortly' });
      expect(res.headers['retry-after']).toBe('5');
      expect(Date.now() - started).toBeLessThan(5000);
    }
    expect((await h.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    const ready = await h.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ status: 'down', checks: { postgres: 'down', redis: 'ok' } });
  });

  it('serves again within 10 s of Postgres returning, with nothing lost', async () => {
    await pgSwitch.on();
    const deadline = Date.now() + 10_000;
    let res = await h.app.inject({ url: '/api/v1/llm/byok/keys', headers: alice });
    while (res.statusCode !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      res = await h.app.inject({ url: '/api/v1/llm/byok/keys', headers: alice });
    }
    expect(res.statusCode).toBe(200);
    expect(res.json().keys.map((k: { provider: string }) => k.provider)).toEqual(['groq']);
  });
});
