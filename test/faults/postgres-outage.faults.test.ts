import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeKey } from '@byok/mock-providers';
import { testServiceUrls } from '../support/services.js';
import { startTcpSwitch, type TcpSwitch } from '../support/tcp-switch.js';
import { startFaultStack, sleep, waitFor, type FaultStack } from './support/fault-stack.js';

/**
 * Postgres goes away under the whole stack (every process connection runs through a TCP switch;
 * the shared server is never touched; assertions read the test database directly). The API
 * answers 503 db_unavailable, never 500; liveness holds while readiness fails; the proxy keeps
 * serving users whose routes it has cached; and everything recovers without a restart.
 */
const OUTAGE_MS = 5000;
const RECOVER_WITHIN_MS = 10_000;

let stack: FaultStack;
let pgSwitch: TcpSwitch;
beforeAll(async () => {
  const target = new URL(testServiceUrls().postgresAdminUrl);
  pgSwitch = await startTcpSwitch({ host: target.hostname, port: Number(target.port || 5432) });
  stack = await startFaultStack('faults_pg_outage', { databaseUrl: (db) => pgSwitch.url(db.url) });
});
afterAll(async () => {
  await pgSwitch?.on().catch(() => undefined);
  await stack?.close();
  await pgSwitch?.close();
});

async function call(method: 'GET' | 'POST' | 'DELETE', path: string, userId?: string, body?: unknown) {
  const started = Date.now();
  const headers: Record<string, string> = {};
  if (userId) headers.authorization = `Bearer ${await stack.token(userId)}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await request(`${stack.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, elapsedMs: Date.now() - started };
}

const chatBody = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello there' }] };

describe('Postgres stopped under the whole stack', () => {
  it('503 db_unavailable (never 500), /readyz fails while /healthz holds, cached proxy routes keep serving, then recovery', async () => {
    for (const user of ['warm', 'cold']) {
      const saved = await call('POST', '/api/v1/llm/byok/keys', user, { provider: 'openai', api_key: fakeKey('openai', 'valid', user) });
      expect(saved.status, saved.text).toBe(201);
    }
    // Warm the proxy's route cache for one user only.
    const warmUp = await call('POST', '/v1/chat/completions', 'warm', chatBody);
    expect(warmUp.status, warmUp.text).toBe(200);

    await pgSwitch.off();
    for (const [method, path, body] of [
      ['GET', '/api/v1/llm/byok/keys', undefined],
      ['POST', '/api/v1/llm/byok/keys', { provider: 'groq', api_key: fakeKey('groq', 'valid', 'warm') }],
      ['DELETE', '/api/v1/llm/byok/keys/openai', undefined],
      ['GET', '/api/v1/audit', undefined],
    ] as const) {
      const res = await call(method, path, 'warm', body);
      expect(res.status, `${method} ${path}: ${res.text}`).toBe(503);
      expect(JSON.parse(res.text).error.code).toBe('db_unavailable');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    expect((await call('GET', '/healthz')).status).toBe(200);
    const ready = await call('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.text)).toMatchObject({ status: 'down', checks: { postgres: 'down' } });

    const served = [];
    for (let i = 0; i < 10; i++) served.push(await call('POST', '/v1/chat/completions', 'warm', chatBody));
    expect(served.map((r) => r.status)).toEqual(served.map(() => 200));
    // A user whose route is not cached cannot be served, but must not see a 500.
    const cold = await call('POST', '/v1/chat/completions', 'cold', chatBody);
    expect(cold.status, cold.text).not.toBe(500);
    expect(cold.status).toBeGreaterThanOrEqual(500);
    await sleep(OUTAGE_MS);

    await pgSwitch.on();
    const back = Date.now();
    await waitFor(async () => (await call('GET', '/api/v1/llm/byok/keys', 'warm')).status === 200, RECOVER_WITHIN_MS, 'the API to serve reads again');
    await waitFor(async () => (await call('GET', '/readyz')).status === 200, RECOVER_WITHIN_MS, '/readyz to pass again');
    const coldAfter = await call('POST', '/v1/chat/completions', 'cold', chatBody);
    expect(coldAfter.status, coldAfter.text).toBe(200);
    const saved = await call('POST', '/api/v1/llm/byok/keys', 'warm', { provider: 'groq', api_key: fakeKey('groq', 'valid', 'warm') });
    expect(saved.status, saved.text).toBe(201);
    const recoveredMs = Date.now() - back;
    expect(recoveredMs).toBeLessThan(RECOVER_WITHIN_MS);
    // The usage events of requests served during the outage are stored once Postgres is back.
    const ids = [warmUp, ...served].map((r) => String(r.headers['x-request-id']));
    await waitFor(
      async () => (await stack.db.sql<{ n: number }>('SELECT count(*)::int AS n FROM usage_events WHERE request_id = ANY($1)', [ids]))[0]?.n === ids.length,
      30_000,
      'the outage usage events to be stored',
    );
    console.info(`postgres outage: ${OUTAGE_MS} ms; cold user got ${cold.status}; recovered in ${recoveredMs} ms`);
  });
});
