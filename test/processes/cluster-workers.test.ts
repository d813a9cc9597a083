import { PROVIDER_IDS } from '@byok/providers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_KEYS, TEST_ENCRYPTION_KEY, TEST_JWT_SECRET } from '../support/api-harness.js';
import { freePort } from '../support/free-port.js';
import { testServiceUrls } from '../support/services.js';
import { startProxyHarness, type ProxyHarness, waitFor } from '../proxy/support/proxy-harness.js';
import { onFreshConnection, type ServiceProcess, startServiceProcess } from './support/service-process.js';

/**
 * PROXY_WORKERS / API_WORKERS = 2 (#15): the real proxy and API entry files as cluster primaries
 * with two workers each, on one database and Redis prefix. Everything the workers share lives in
 * Redis or Postgres; these tests prove the parts that would break if it did not. Each request
 * below goes on a connection of its own, and the primary hands connections to its workers in
 * turn, so every group of requests reaches both workers.
 */

const BODY = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
let h: ProxyHarness;
let proxy: ServiceProcess;
let api: ServiceProcess;
let proxyUrl: string;
let apiUrl: string;

beforeAll(async () => {
  h = await startProxyHarness('proc_cluster');
  const [proxyPort, apiPort] = [await freePort(), await freePort()];
  const env: Record<string, string> = {
    DATABASE_URL: h.api.db.url,
    REDIS_URL: testServiceUrls().redisUrl,
    REDIS_PREFIX: h.api.redisPrefix,
    BYOK_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    SHUTDOWN_GRACE_MS: '10000',
    AUTH_FAILURE_LIMIT: '0',
    DATABASE_POOL_MAX: '4',
  };
  for (const id of PROVIDER_IDS) env[`PROVIDER_${id.toUpperCase()}_BASE_URL`] = h.mock.baseUrls[id];
  proxyUrl = `http://127.0.0.1:${proxyPort}`;
  apiUrl = `http://127.0.0.1:${apiPort}`;
  // No worker runs for this prefix: saves answer 202 at once (KEY_TEST_WAIT_MS=0) and their tests wait in the queue.
  [proxy, api] = await Promise.all([
    startServiceProcess('apps/proxy/src/main.ts', { ...env, PROXY_PORT: String(proxyPort), PROXY_WORKERS: '2' }, `${proxyUrl}/healthz`),
    startServiceProcess('apps/api/src/main.ts', { ...env, PORT: String(apiPort), API_WORKERS: '2', KEY_TEST_WAIT_MS: '0', KEY_TEST_RATE_LIMIT_PER_MINUTE: '5' }, `${apiUrl}/healthz`),
  ]);
  // The port answers once the first worker listens; the primary says when every worker has started.
  await waitFor(() => proxy.output().includes('worker processes started') && api.output().includes('worker processes started'), 60_000, 'every worker to start');
}, 180_000);

afterAll(async () => {
  for (const service of [proxy, api]) {
    if (service?.child.exitCode === null) {
      service.child.kill('SIGTERM');
      await service.exited;
    }
  }
  await h?.close();
});

const chat = async (token: string, body = BODY) =>
  onFreshConnection(`${proxyUrl}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });

describe('two workers per port', () => {
  it('each answers from one primary, which says how many it started', () => {
    expect(proxy.output()).toContain('"workers":{"proxy":2}');
    expect(api.output()).toContain('"workers":{"api":2}');
  });

  it('stop using a deleted key on every proxy worker within 1 s', async () => {
    await h.addKey('cluster-user', 'openai');
    const token = await h.jwt('cluster-user');
    // Both workers route the user through the key (and cache the route).
    const before = await Promise.all([1, 2, 3, 4].map(() => chat(token)));
    expect(before.map((r) => r.status)).toEqual([200, 200, 200, 200]);

    await h.deleteKey('cluster-user', 'openai');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = [];
    for (let i = 0; i < 4; i++) after.push(await chat(token));
    expect(after.map((r) => r.status)).toEqual([400, 400, 400, 400]);
    for (const r of after) expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'no_route' } });
  }, 30_000);

  it('hold the 5-per-minute key-test budget across API workers', async () => {
    const authorization = `Bearer ${await h.jwt('budget-user')}`;
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await onFreshConnection(`${apiUrl}/api/v1/llm/byok/keys`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify({ provider: 'openai', api_key: FAKE_KEYS.openai }),
      });
      statuses.push(res.status);
      if (res.status === 429) expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'rate_limited' } });
    }
    expect(statuses.slice(0, 5).every((s) => s < 300)).toBe(true);
    expect(statuses.slice(5)).toEqual([429, 429]);
  }, 30_000);

  it('replace a proxy worker that dies, and keep serving meanwhile', async () => {
    const primaryPid = proxy.child.pid;
    const workerPid = proxy
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => (JSON.parse(line) as { pid?: number }).pid)
      .find((pid) => pid !== undefined && pid !== primaryPid);
    expect(workerPid).toBeDefined();
    process.kill(workerPid as number, 'SIGKILL');
    await waitFor(() => proxy.output().includes('a worker process died; starting a replacement'), 10_000, 'the primary to notice');
    // The other worker serves the port while the replacement boots.
    expect((await onFreshConnection(`${proxyUrl}/healthz`)).status).toBe(200);
    await waitFor(() => proxy.output().includes('replacement worker process started'), 120_000, 'the replacement');
  }, 150_000);

  it('drain every worker on SIGTERM: streams under way on both finish, their usage is queued, exit 0', async () => {
    await h.addKey('drain-user', 'openai');
    const token = await h.jwt('drain-user');
    // Three events 400 ms apart on each of two connections, one per worker.
    const slow = JSON.stringify({ model: 'gpt-4o-mini-slow-stream-400', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const streams = [chat(token, slow), chat(token, slow)];
    await new Promise((resolve) => setTimeout(resolve, 300));
    proxy.child.kill('SIGTERM');
    const done = await Promise.all(streams);
    for (const r of done) {
      expect(r.status).toBe(200);
      expect(r.body.trimEnd().endsWith('data: [DONE]')).toBe(true);
    }
    const code = await proxy.exited;
    if (code !== 0) console.log(proxy.output());
    expect(code).toBe(0);
    const ids = done.map((r) => String(r.headers['x-request-id']));
    const events = await h.usageEvents();
    for (const id of ids) expect(events.find((e) => e.requestId === id)).toMatchObject({ userId: 'drain-user', statusCode: 200, stream: true });
    expect(proxy.output().match(/"msg":"proxy stopped"/g)).toHaveLength(3);
  }, 60_000);
});
