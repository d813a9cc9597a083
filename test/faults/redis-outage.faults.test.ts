import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeKey } from '@byok/mock-providers';
import { testServiceUrls } from '../support/services.js';
import { startTcpSwitch, type TcpSwitch } from '../support/tcp-switch.js';
import { startFaultStack, sleep, waitFor, type FaultStack } from './support/fault-stack.js';

/**
 * Redis goes away under the whole stack (API, proxy, worker and usage consumer all reach it
 * through a TCP switch; the shared server is never touched). The brief's outage is 30 s; the test
 * holds it for OUTAGE_MS to keep the dedicated run short — the behaviour under test (503 while
 * away, reconnection afterwards) does not depend on the length beyond the reconnect backoff.
 */
const OUTAGE_MS = 8000;
const ANSWER_WITHIN_MS = 2000;
const RESUME_WITHIN_MS = 10_000;

let stack: FaultStack;
let redisSwitch: TcpSwitch;
beforeAll(async () => {
  const target = new URL(testServiceUrls().redisUrl);
  redisSwitch = await startTcpSwitch({ host: target.hostname, port: Number(target.port || 6379) });
  stack = await startFaultStack('faults_redis_outage', { redisUrl: redisSwitch.url(testServiceUrls().redisUrl) });
});
afterAll(async () => {
  await redisSwitch?.on().catch(() => undefined);
  await stack?.close();
  await redisSwitch?.close();
});

async function api(method: 'GET' | 'POST', path: string, userId: string, body?: unknown) {
  const started = Date.now();
  const res = await request(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${await stack.token(userId)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, elapsedMs: Date.now() - started };
}

async function chat(userId: string) {
  const res = await request(`${stack.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await stack.token(userId)}` },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello there' }] }),
  });
  await res.body.dump();
  return { status: res.statusCode, requestId: String(res.headers['x-request-id']) };
}

async function keyStatus(userId: string, provider: string): Promise<string | undefined> {
  const rows = await stack.db.sql<{ test_status: string | null }>('SELECT test_status FROM user_provider_keys WHERE user_id = $1 AND provider = $2', [userId, provider]);
  return rows[0]?.test_status ?? undefined;
}

describe(`Redis down for ${OUTAGE_MS / 1000} s under the whole stack`, () => {
  it('answers 503 with Retry-After on enqueueing endpoints, then the worker and consumer resume by themselves', async () => {
    // Before: a key is saved and tested; a proxied request is aggregated.
    expect((await api('POST', '/api/v1/llm/byok/keys', 'alice', { provider: 'openai', api_key: fakeKey('openai', 'valid', 'alice') })).status).toBe(201);
    await waitFor(async () => (await keyStatus('alice', 'openai')) === 'valid', 10_000, 'the first key to be tested');
    const before = await chat('alice');
    expect(before.status).toBe(200);
    await waitFor(async () => (await stack.db.sql('SELECT 1 FROM usage_events WHERE request_id = $1', [before.requestId])).length === 1, 10_000, 'the first usage event');

    await redisSwitch.off();
    const outageStarted = Date.now();
    const save = await api('POST', '/api/v1/llm/byok/keys', 'bob', { provider: 'groq', api_key: fakeKey('groq', 'valid', 'bob') });
    expect(save.status, save.text).toBe(503);
    expect(Number(save.headers['retry-after'])).toBeGreaterThan(0);
    expect(save.elapsedMs).toBeLessThan(ANSWER_WITHIN_MS);
    const retest = await api('POST', '/api/v1/llm/byok/keys/openai/test', 'alice');
    expect(retest.status, retest.text).toBe(503);
    expect(Number(retest.headers['retry-after'])).toBeGreaterThan(0);
    expect(retest.elapsedMs).toBeLessThan(ANSWER_WITHIN_MS);
    expect(JSON.parse(save.text).error.code).toBe('queue_unavailable');
    // Proxied requests during the outage still succeed; their events wait in the proxy's buffer.
    const during = [];
    for (let i = 0; i < 5; i++) during.push(await chat('alice'));
    expect(during.map((r) => r.status)).toEqual(during.map(() => 200));
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - outageStarted)));

    await redisSwitch.on();
    const back = Date.now();
    // A key saved after the outage gets tested by the same worker, without a restart.
    let saved = await api('POST', '/api/v1/llm/byok/keys', 'bob', { provider: 'groq', api_key: fakeKey('groq', 'valid', 'bob') });
    while (saved.status !== 201 && Date.now() - back < RESUME_WITHIN_MS) {
      await sleep(200);
      saved = await api('POST', '/api/v1/llm/byok/keys', 'bob', { provider: 'groq', api_key: fakeKey('groq', 'valid', 'bob') });
    }
    expect(saved.status, saved.text).toBe(201);
    const after = await chat('alice');
    expect(after.status).toBe(200);
    await waitFor(async () => (await keyStatus('bob', 'groq')) === 'valid', RESUME_WITHIN_MS - (Date.now() - back), 'the key saved after the outage to be tested');
    const ids = [...during, after].map((r) => r.requestId);
    await waitFor(
      async () => (await stack.db.sql<{ n: number }>('SELECT count(*)::int AS n FROM usage_events WHERE request_id = ANY($1)', [ids]))[0]?.n === ids.length,
      Math.max(1000, RESUME_WITHIN_MS - (Date.now() - back)),
      'the usage events of the outage to be aggregated',
    );
    const resumedMs = Date.now() - back;
    expect(resumedMs).toBeLessThan(RESUME_WITHIN_MS);
    const daily = await stack.db.sql<{ requests: number }>("SELECT sum(calls)::int AS requests FROM usage_daily WHERE user_id = 'alice'");
    expect(daily[0]?.requests).toBe(ids.length + 1);
    console.info(`redis outage: ${OUTAGE_MS} ms; resumed in ${resumedMs} ms after Redis returned`);
  });
});
