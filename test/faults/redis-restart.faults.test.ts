import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeKey } from '@byok/mock-providers';
import { startFaultStack, sleep, waitFor, type FaultStack } from './support/fault-stack.js';
import { startThrowawayRedis, type ThrowawayRedis } from './support/throwaway-redis.js';

/**
 * A throwaway redis-server (AOF, fsync always) is SIGKILLed and started again on the same port
 * while 1,000 proxied requests run. The proxy holds usage events in its in-memory buffer while
 * Redis is away — at most PROXY_USAGE_BUFFER_MAX events (default 10,000; beyond that the oldest are
 * dropped and counted) — and sends them once Redis is back, many to a job; a job resent after a
 * lost reply goes under its first job id, so it is not queued twice, and the usage_events primary
 * key (the request id) counts an event once whatever happens to its job.
 */
const REQUESTS = 1000;
const CONCURRENCY = 10;
const KILL_AFTER = 300;
const DOWN_MS = 2000;

let stack: FaultStack;
let redis: ThrowawayRedis;
beforeAll(async () => {
  redis = await startThrowawayRedis();
  stack = await startFaultStack('faults_redis_restart', { redisUrl: redis.url });
});
afterAll(async () => {
  await redis?.start().catch(() => undefined);
  await stack?.close();
  await redis?.close();
});

describe('Redis restarted during 1,000 proxied requests', () => {
  it('loses no usage event, counts none twice, and fails no request because of Redis', { timeout: 120_000 }, async () => {
    const users = ['u0', 'u1', 'u2', 'u3'];
    for (const user of users) {
      const res = await request(`${stack.url}/api/v1/llm/byok/keys`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await stack.token(user)}` },
        body: JSON.stringify({ provider: 'openai', api_key: fakeKey('openai', 'valid', user) }),
      });
      expect(res.statusCode, await res.body.text()).toBe(201);
    }
    const tokens = await Promise.all(users.map((u) => stack.token(u)));
    const ok: string[] = [];
    const failed: Array<{ status: number; body: string }> = [];
    let sent = 0;
    let restart: Promise<void> | undefined;
    const one = async (n: number) => {
      const res = await request(`${stack.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[n % tokens.length]}` },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `request ${n}` }] }),
      });
      const body = await res.body.text();
      if (res.statusCode === 200) ok.push(String(res.headers['x-request-id']));
      else failed.push({ status: res.statusCode, body });
    };
    const lane = async () => {
      while (sent < REQUESTS) {
        const n = sent++;
        if (n === KILL_AFTER) restart = redis.kill().then(() => sleep(DOWN_MS)).then(() => redis.start());
        await one(n);
      }
    };
    let maxBuffered = 0;
    const watch = setInterval(() => {
      maxBuffered = Math.max(maxBuffered, stack.proxy.usage.buffered);
    }, 10);
    const started = Date.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, lane));
    await restart;
    clearInterval(watch);
    console.info(`redis restart: ${REQUESTS} requests in ${Date.now() - started} ms, ${maxBuffered} events buffered at most`);
    // The restart really happened under load: events had to wait in the proxy's buffer.
    expect(maxBuffered).toBeGreaterThan(0);
    expect(failed).toEqual([]);
    expect(ok).toHaveLength(REQUESTS);

    await waitFor(() => stack.proxy.usage.buffered === 0, 20_000, 'the proxy buffer to drain');
    const count = async () => (await stack.db.sql<{ n: number }>('SELECT count(*)::int AS n FROM usage_events'))[0]?.n ?? 0;
    await waitFor(async () => (await count()) >= REQUESTS, 30_000, 'every usage event to be stored');
    await sleep(1000);
    expect(await count()).toBe(REQUESTS);
    const stored = await stack.db.sql<{ request_id: string }>('SELECT request_id FROM usage_events');
    expect(new Set(stored.map((r) => r.request_id))).toEqual(new Set(ok));
    const daily = await stack.db.sql<{ calls: number }>('SELECT sum(calls)::int AS calls FROM usage_daily');
    expect(daily[0]?.calls).toBe(REQUESTS);
    expect(stack.proxy.usage.dropped).toBe(0);
  });
});
