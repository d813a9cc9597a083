import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { testServiceUrls } from '../support/services.js';
import { startTcpSwitch, type TcpSwitch } from '../support/tcp-switch.js';
import { BUDGETS_URL } from './support/budget-fixtures.js';

describe('budgets API while Postgres is away: 503 db_unavailable on every method, never 500', () => {
  let h: ApiHarness;
  let pgSwitch: TcpSwitch;
  let alice: Record<string, string>;
  let id: string;
  beforeAll(async () => {
    const target = new URL(testServiceUrls().postgresAdminUrl);
    pgSwitch = await startTcpSwitch({ host: target.hostname, port: Number(target.port || 5432) });
    h = await startApiHarness('budgets_pg_outage', { databaseUrl: (db) => pgSwitch.url(db.url) });
    alice = { authorization: `Bearer ${await h.token('alice')}` };
    id = (await h.app.inject({ method: 'POST', url: BUDGETS_URL, headers: alice, payload: { scope: 'user', period: 'day', limits: { requests: 1 } } })).json<{ id: string }>().id;
  });
  afterAll(async () => {
    await pgSwitch.on().catch(() => undefined);
    await h?.close();
    await pgSwitch?.close();
  });

  it('answers 503 with Retry-After, then serves the same budget again when Postgres returns', async () => {
    await pgSwitch.off();
    for (const request of [
      { method: 'GET' as const, url: BUDGETS_URL },
      { method: 'GET' as const, url: `${BUDGETS_URL}/${id}` },
      { method: 'POST' as const, url: BUDGETS_URL, payload: { scope: 'provider', scope_id: 'openai', period: 'day', limits: { requests: 1 } } },
      { method: 'PATCH' as const, url: `${BUDGETS_URL}/${id}`, payload: { limits: { requests: 2 } } },
      { method: 'DELETE' as const, url: `${BUDGETS_URL}/${id}` },
    ]) {
      const res = await h.app.inject({ ...request, headers: alice });
      expect(res.statusCode, `${request.method} ${request.url}`).toBe(503);
      expect(res.json().error.code).toBe('db_unavailable');
      expect(res.headers['retry-after']).toBe('5');
    }
    await pgSwitch.on();
    const deadline = Date.now() + 10_000;
    let res = await h.app.inject({ url: `${BUDGETS_URL}/${id}`, headers: alice });
    while (res.statusCode !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      res = await h.app.inject({ url: `${BUDGETS_URL}/${id}`, headers: alice });
    }
    expect(res.statusCode).toBe(200);
    expect(res.json().limits).toEqual({ requests: 1 });
  });
});

describe('budgets API while Redis is away: the change is saved and the missed announcement only logged', () => {
  let h: ApiHarness;
  let redis: TcpSwitch;
  let alice: Record<string, string>;
  beforeAll(async () => {
    const target = new URL(testServiceUrls().redisUrl);
    redis = await startTcpSwitch({ host: target.hostname, port: Number(target.port || 6379) });
    h = await startApiHarness('budgets_redis_outage', { redisUrl: redis.url(testServiceUrls().redisUrl) });
    alice = { authorization: `Bearer ${await h.token('alice')}` };
  });
  afterAll(async () => {
    await redis.on().catch(() => undefined);
    // Close on a connection that is back: closing the queues while ioredis is still reconnecting
    // once outlasted the hook's minute on a busy machine (and left the prefix's keys behind).
    const deadline = Date.now() + 20_000;
    while (h !== undefined && h.runtime.redis.status !== 'ready' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await h?.close();
    await redis?.close();
  }, 120_000);

  it('creates, changes and deletes a budget within seconds, with its audit records', async () => {
    await redis.off();
    const started = Date.now();
    const created = await h.app.inject({ method: 'POST', url: BUDGETS_URL, headers: alice, payload: { scope: 'user', period: 'week', limits: { tokens: 10 } } });
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json<{ id: string }>();
    expect((await h.app.inject({ method: 'PATCH', url: `${BUDGETS_URL}/${id}`, headers: alice, payload: { limits: { tokens: 20 } } })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'DELETE', url: `${BUDGETS_URL}/${id}`, headers: alice })).statusCode).toBe(204);
    expect(Date.now() - started).toBeLessThan(6_000);
    expect((await h.db.sql<{ action: string }>('SELECT action FROM audit_log ORDER BY id')).map((r) => r.action)).toEqual(['budget.created', 'budget.updated', 'budget.deleted']);
    expect(h.logs.filter((line) => line.includes('could not announce a budget change'))).toHaveLength(3);
  });
});
