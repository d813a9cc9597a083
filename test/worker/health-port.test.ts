import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { testServiceUrls } from '../support/services.js';
import { startTcpSwitch, type TcpSwitch } from '../support/tcp-switch.js';
import { startWorkerHarness, type WorkerHarness } from './support/worker-harness.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * #19.6: the worker and the usage consumer run as processes of their own in compose and
 * Kubernetes, with no HTTP API. With HEALTH_PORT set each serves `/healthz` and `/readyz`, and
 * `/readyz` says what the process can do: `ok`, `degraded` (Postgres away: jobs wait, no attempt
 * spent) or `down` (Redis away: no job can be taken), 200 / 200 / 503. Postgres and Redis sit
 * behind TCP switches; the shared servers are never touched.
 */
describe.each([
  ['worker', 'apps/worker/src/main.ts'],
  ['usage consumer', 'apps/usage-consumer/src/main.ts'],
])('the %s process health port', (_name, entry) => {
  let h: WorkerHarness;
  let pg: TcpSwitch;
  let redis: TcpSwitch;
  let child: ChildProcess;
  let port: number;
  beforeAll(async () => {
    h = await startWorkerHarness(`health_${entry.includes('worker') ? 'worker' : 'consumer'}`);
    const pgTarget = new URL(testServiceUrls().postgresAdminUrl);
    const redisTarget = new URL(testServiceUrls().redisUrl);
    pg = await startTcpSwitch({ host: pgTarget.hostname, port: Number(pgTarget.port || 5432) });
    redis = await startTcpSwitch({ host: redisTarget.hostname, port: Number(redisTarget.port || 6379) });
    port = await freePort();
    child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@byok/source', entry], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...h.env, DATABASE_URL: pg.url(h.db.url), REDIS_URL: redis.url(h.config.redisUrl), HEALTH_PORT: String(port), LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    const deadline = Date.now() + 90_000;
    while ((await get('/healthz').then((r) => r.status, () => 0)) !== 200) {
      if (Date.now() > deadline) throw new Error(`${entry} did not serve /healthz on ${port} within 90 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 150_000);
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await pg?.close();
    await redis?.close();
    await h?.close();
  });

  async function get(path: string): Promise<{ status: number; body: unknown }> {
    const res = await request(`http://127.0.0.1:${port}${path}`);
    return { status: res.statusCode, body: await res.body.json() };
  }

  it('serves liveness, and readiness ok with every check named', async () => {
    expect(await get('/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await get('/readyz')).toEqual({ status: 200, body: { status: 'ok', checks: { postgres: 'ok', redis: 'ok', workers: 'ok' } } });
    expect((await get('/metrics')).status).toBe(404);
  });

  it('is degraded (200) while Postgres is away and down (503) while Redis is, then ok again', async () => {
    await pg.off();
    expect(await get('/readyz')).toEqual({ status: 200, body: { status: 'degraded', checks: { postgres: 'down', redis: 'ok', workers: 'ok' } } });
    await pg.on();
    await redis.off();
    await expect.poll(() => get('/readyz'), { timeout: 10_000 }).toMatchObject({ status: 503, body: { status: 'down', checks: { postgres: 'ok', redis: 'down' } } });
    expect((await get('/healthz')).status).toBe(200);
    await redis.on();
    await expect.poll(() => get('/readyz'), { timeout: 20_000, interval: 200 }).toEqual({ status: 200, body: { status: 'ok', checks: { postgres: 'ok', redis: 'ok', workers: 'ok' } } });
  }, 150_000);
});
