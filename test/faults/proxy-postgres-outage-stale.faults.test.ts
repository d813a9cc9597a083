import { generateGatewayToken } from '@byok/auth';
import { insertGatewayToken } from '@byok/db';
import { buildProxy, startProxyServices } from '@byok/proxy';
import { keyChangeChannel } from '@byok/queues';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeKey } from '@byok/mock-providers';
import { testServiceUrls } from '../support/services.js';
import { startTcpSwitch, type TcpSwitch } from '../support/tcp-switch.js';
import { sleep, startFaultStack, waitFor, type FaultStack } from './support/fault-stack.js';
import { startThrowawayRedis, type ThrowawayRedis } from './support/throwaway-redis.js';

/**
 * Issue #19.4, "the proxy's outage behaviour depends on the caller", and #19.6 (the proxy's
 * readiness). Postgres goes away behind a TCP switch (the shared server is untouched) under a
 * stack on a Redis of its own. Gateway-token callers are served from the token cache's last
 * known state past its TTL, as JWT callers are from the route cache; a token revoked over pub/sub
 * during the outage is not served; a Redis restart during the outage keeps both caches; the
 * proxy's /readyz says `degraded` (200) with warm caches and 503 with none; all recovers after.
 */
const TOKEN_TTL_MS = 500;

let stack: FaultStack;
let pgSwitch: TcpSwitch;
let redis: ThrowawayRedis;
beforeAll(async () => {
  const target = new URL(testServiceUrls().postgresAdminUrl);
  pgSwitch = await startTcpSwitch({ host: target.hostname, port: Number(target.port || 5432) });
  redis = await startThrowawayRedis();
  stack = await startFaultStack('faults_proxy_stale', {
    databaseUrl: (db) => pgSwitch.url(db.url),
    redisUrl: redis.url,
    env: { PROXY_TOKEN_CACHE_TTL_MS: String(TOKEN_TTL_MS), PROXY_STALE_MAX_MS: '600000' },
  });
});
afterAll(async () => {
  await pgSwitch?.on().catch(() => undefined);
  await stack?.close();
  await pgSwitch?.close();
  await redis?.close();
});

const chatBody = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello there' }] });

async function chat(bearer: string) {
  const res = await request(`${stack.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: chatBody });
  const text = await res.body.text();
  return { status: res.statusCode, text };
}

async function saveKey(userId: string) {
  const res = await request(`${stack.url}/api/v1/llm/byok/keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await stack.token(userId)}` },
    body: JSON.stringify({ provider: 'openai', api_key: fakeKey('openai', 'valid', userId) }),
  });
  expect(res.statusCode, await res.body.text()).toBe(201);
}

async function gatewayToken(userId: string) {
  const generated = generateGatewayToken();
  await insertGatewayToken(stack.runtime.orm.em.fork(), { userId, name: 'fault test', tokenHash: generated.hash, tokenPrefix: generated.prefix, expiresAt: null });
  return generated;
}

describe('the proxy during a Postgres outage', () => {
  it('serves cached gateway tokens and routes stale, honours a revocation, keeps both across a Redis restart, reports degraded readiness', async () => {
    for (const user of ['jwt-user', 'token-user', 'revoked-user', 'cold-user']) await saveKey(user);
    const kept = await gatewayToken('token-user');
    const revoked = await gatewayToken('revoked-user');
    const jwt = await stack.token('jwt-user');
    for (const bearer of [jwt, kept.token, revoked.token]) expect((await chat(bearer)).status).toBe(200);
    const proxyApp = await buildProxy(stack.runtime, { services: stack.proxy });
    const readyz = async (app = proxyApp) => {
      const res = await app.inject({ method: 'GET', url: '/readyz' });
      return { status: res.statusCode, body: res.json() as { status: string; checks: { postgres: boolean; redis: boolean }; details: string[] } };
    };
    expect((await readyz()).body.status).toBe('ready');

    await pgSwitch.off();
    // Past the token cache's TTL: the lookup fails, the last known answer is used.
    await sleep(TOKEN_TTL_MS * 3);
    expect(await chat(kept.token)).toMatchObject({ status: 200 });
    expect(await chat(jwt)).toMatchObject({ status: 200 });
    // Nobody's routes or token was cached for this user: a clear 503, not a stale answer.
    const cold = await chat(await stack.token('cold-user'));
    expect(cold.status, cold.text).toBe(503);

    // A revocation announced during the outage holds: that token is not served from the last known state.
    await stack.runtime.redis.publish(keyChangeChannel(stack.redisPrefix), `token:${revoked.hash}`);
    await waitFor(async () => (await chat(revoked.token)).status !== 200, 3000, 'the revocation to apply');

    const degraded = await readyz();
    expect(degraded.status).toBe(200);
    expect(degraded.body).toMatchObject({ status: 'degraded', checks: { postgres: false, redis: true } });
    expect(degraded.body.details.join(' ')).toContain('Postgres is unreachable');
    // A proxy with nothing cached cannot route anyone: 503.
    const coldServices = await startProxyServices(stack.runtime);
    const coldApp = await buildProxy(stack.runtime, { services: coldServices });
    expect(await readyz(coldApp)).toMatchObject({ status: 503, body: { status: 'unavailable' } });
    await coldApp.close();
    await coldServices.close(100);

    // Redis restarts while Postgres is still away: the subscription reconnects, the caches are kept.
    await redis.kill();
    await redis.start();
    await sleep(2000);
    for (let i = 0; i < 5; i++) {
      expect(await chat(kept.token)).toMatchObject({ status: 200 });
      expect(await chat(jwt)).toMatchObject({ status: 200 });
    }

    await pgSwitch.on();
    await waitFor(async () => (await chat(await stack.token('cold-user'))).status === 200, 15_000, 'recovery');
    expect((await chat(revoked.token)).status).toBe(200); // not revoked in the database: only announced
    await waitFor(async () => (await readyz()).body.status === 'ready', 10_000, 'ready again');
  });
});
