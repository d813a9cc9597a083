import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { mintDevToken } from '@byok/auth';
import { loadConfig, type Config } from '@byok/config';
import { PROVIDER_IDS } from '@byok/providers';
import type { UsageBatch } from '@byok/queues';
import { openRuntime, type Runtime } from '@byok/runtime';
import { createLogger } from '@byok/telemetry';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatRoutes } from '@byok/mock-providers/chat';
import { fakeKey, startMockProviders, type MockProviders } from '@byok/mock-providers';
import { TEST_ENCRYPTION_KEY, TEST_JWT_SECRET } from '../support/api-harness.js';
import { freePort } from '../support/free-port.js';
import { deleteRedisPrefix } from '../support/redis-cleanup.js';
import { testServiceUrls, uniqueTestName } from '../support/services.js';
import { startTcpSwitch, type TcpSwitch } from '../support/tcp-switch.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { waitFor } from './support/fault-stack.js';

/**
 * Issue #19.5, "a proxy crash loses usage of answers already sent", and the Redis outage longer
 * than `PROXY_USAGE_BUFFER_MAX`. Proxy processes (apps/proxy/src/main.ts, as production runs
 * them) share one spool directory; their Redis runs through a TCP switch (the shared server is
 * untouched). (1) SIGKILL right after the last answer, Redis up: every answered request's event
 * reaches the queue once the next proxy starts. (2) Redis away for three times the buffer: nothing
 * dropped, all sent when it returns. (3) SIGKILL during a Redis outage: the next proxy sends them.
 */
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUFFER_MAX = 5;

let mock: MockProviders;
let db: TestDatabase;
let redisSwitch: TcpSwitch;
let runtime: Runtime;
let spoolDir: string;
let config: Config;
let env: Record<string, string>;
const prefix = uniqueTestName('faults_usage_spool');
const children: ChildProcess[] = [];

beforeAll(async () => {
  mock = await startMockProviders({ extraRoutes: chatRoutes });
  db = await createTestDatabase('faults_usage_spool');
  const redisTarget = new URL(testServiceUrls().redisUrl);
  redisSwitch = await startTcpSwitch({ host: redisTarget.hostname, port: Number(redisTarget.port || 6379) });
  spoolDir = mkdtempSync(join(tmpdir(), 'faults-usage-spool-'));
  env = {
    // One process per proxy (the default is one per core): SIGKILL must hit the process that serves.
    PROXY_WORKERS: '1',
    PATH: process.env.PATH ?? '',
    DATABASE_URL: db.url,
    REDIS_URL: redisSwitch.url(testServiceUrls().redisUrl),
    REDIS_PREFIX: prefix,
    BYOK_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    PROXY_USAGE_BUFFER_MAX: String(BUFFER_MAX),
    PROXY_USAGE_SPOOL_DIR: spoolDir,
    ...Object.fromEntries(PROVIDER_IDS.map((id) => [`PROVIDER_${id.toUpperCase()}_BASE_URL`, mock.baseUrls[id]])),
  };
  config = loadConfig(env);
  // The test's own connections go straight to Redis, past the switch.
  runtime = await openRuntime({ ...config, redisUrl: testServiceUrls().redisUrl }, createLogger({ level: 'silent', name: 'spool-test', destination: new Writable({ write: (_c, _e, cb) => cb() }) }));
  // The requests go through the user's own key: a platform-key request reserves its credits in
  // Redis first, so during a Redis outage it is refused (503), and this test needs answers then.
  await db.sql(`INSERT INTO user_provider_keys (user_id, provider, api_key_encrypted, key_hint, test_status) VALUES ('spool-user', 'openai', $1, 'sk-****', 'valid')`, [
    runtime.keyring.encrypt(fakeKey('openai', 'valid', 'spool-user')),
  ]);
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await redisSwitch?.on().catch(() => undefined);
  await runtime?.close();
  await deleteRedisPrefix(prefix);
  await db?.drop();
  await redisSwitch?.close();
  await mock?.close();
  rmSync(spoolDir, { recursive: true, force: true });
});

interface ProxyChild {
  base: string;
  proc: ChildProcess;
  output: string[];
}

async function startProxyProcess(): Promise<ProxyChild> {
  const port = await freePort();
  const output: string[] = [];
  const proc = spawn(process.execPath, ['--import', 'tsx', '--conditions=@byok/source', 'apps/proxy/src/main.ts'], { cwd: REPO_ROOT, env: { ...env, PROXY_PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  proc.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  proc.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  const base = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      const res = await request(`${base}/healthz`).catch(() => undefined);
      if (!res) return false;
      await res.body.dump();
      return res.statusCode === 200;
    },
    45_000,
    'the proxy process to listen',
  );
  return { base, proc, output };
}

/**
 * SIGKILL shortly after the last answer arrived: 20 ms, well inside the sink's 50 ms linger (so
 * without the spool the last events are lost), but after the event-loop turn of the response's
 * `close` handler, at whose end the turn's events are written, has ended. A kill inside that
 * sub-millisecond gap is the bound README states.
 */
async function sigkill(child: ProxyChild): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 20));
  const exited = new Promise((resolve) => child.proc.once('exit', resolve));
  child.proc.kill('SIGKILL');
  await exited;
}

/** `count` chat requests through the user's own key, one after another; the request ids of the answers. */
async function answered(child: ProxyChild, count: number): Promise<string[]> {
  const token = await mintDevToken({ secret: TEST_JWT_SECRET, issuer: config.auth.issuer, audience: 'byok-gateway', userId: 'spool-user', admin: false, userIdClaim: config.auth.userIdClaim, ttlSeconds: 3600 });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await request(`${child.base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `question ${i}` }] }),
    });
    const text = await res.body.text();
    expect(res.statusCode, text).toBe(200);
    ids.push(String(res.headers['x-request-id']));
  }
  return ids;
}

async function queuedRequestIds(): Promise<Set<string>> {
  const jobs = await runtime.producers.usageEvents.queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized'], 0, -1);
  return new Set(jobs.flatMap((job) => (job.data as UsageBatch).events.map((e) => e.requestId)));
}

async function expectAllQueued(ids: readonly string[], what: string, logsOf: ProxyChild): Promise<void> {
  try {
    await waitFor(async () => {
      const queued = await queuedRequestIds();
      return ids.every((id) => queued.has(id));
    }, 20_000, what);
  } catch (error) {
    const queued = await queuedRequestIds();
    console.log(`missing ${ids.filter((id) => !queued.has(id)).length} of ${ids.length}; spool: ${readdirSync(join(spoolDir, encodeURIComponent(prefix))).join(', ')}\n${logsOf.output.join('')}`);
    throw error;
  }
}

describe('the proxy’s usage spool', () => {
  it('loses no usage event to a SIGKILL after the answers, to a Redis outage longer than the buffer, or to both', async () => {
    // (1) SIGKILL at once after the last answer, Redis up: the last events sat in the 50 ms linger.
    const first = await startProxyProcess();
    const beforeKill = await answered(first, 20);
    await sigkill(first);

    // The next proxy on the same spool replays what the dead one left.
    const second = await startProxyProcess();
    await expectAllQueued(beforeKill, 'the events answered before the SIGKILL', second);
    // They came from the spool: the killed process had not queued them all (what was lost before the spool).
    expect(second.output.join('')).toContain('usage events read back from the spool');

    // (2) Redis away while three times the in-memory buffer of events is recorded: none dropped.
    await redisSwitch.off();
    const duringOutage = await answered(second, BUFFER_MAX * 3);
    await redisSwitch.on();
    await expectAllQueued(duringOutage, 'the events recorded during the Redis outage', second);
    expect(second.output.join('')).not.toContain('usage events lost');

    // (3) SIGKILL during a Redis outage, with more events than the buffer.
    await redisSwitch.off();
    const lostWithRedis = await answered(second, BUFFER_MAX * 2);
    await sigkill(second);
    await redisSwitch.on();
    const third = await startProxyProcess();
    await expectAllQueued(lostWithRedis, 'the events of the proxy killed during the Redis outage', third);

    // Every event once per request id on the queue's side is the consumer's job; here: none missing, and the spool empties.
    await waitFor(() => readdirSync(join(spoolDir, encodeURIComponent(prefix))).length <= 1, 10_000, 'the spool to empty');
    const exited = new Promise((resolve) => third.proc.once('exit', resolve));
    third.proc.kill('SIGTERM');
    await exited;
    expect(readdirSync(join(spoolDir, encodeURIComponent(prefix)))).toEqual([]);
  });
});
