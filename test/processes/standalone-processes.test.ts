import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devSecretPath, mintDevToken } from '@byok/auth';
import { fakeKey } from '@byok/mock-providers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../proxy/support/proxy-harness.js';
import { freePort } from '../support/free-port.js';
import { deleteRedisPrefix } from '../support/redis-cleanup.js';
import { testServiceUrls, uniqueTestName } from '../support/services.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { onFreshConnection, type ServiceProcess, startServiceProcess } from './support/service-process.js';

/**
 * `npm start`'s processes (#15): a primary that does the once-per-start work (generated secrets,
 * migrations) and forks two HTTP workers and one background process. A key saved through one
 * worker is tested by the background process, a proxied request's usage event is stored by it,
 * and SIGTERM stops them all with status 0.
 */

let db: TestDatabase;
let dataDir: string;
let redisPrefix: string;
let standalone: ServiceProcess;
let base: string;

beforeAll(async () => {
  db = await createTestDatabase('proc_standalone', { migrate: false });
  dataDir = mkdtempSync(join(tmpdir(), 'byok-proc-standalone-'));
  redisPrefix = uniqueTestName('proc_standalone');
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  standalone = await startServiceProcess(
    'apps/standalone/src/main.ts',
    { DATABASE_URL: db.url, REDIS_URL: testServiceUrls().redisUrl, REDIS_PREFIX: redisPrefix, PORT: String(port), HOST: '127.0.0.1', BYOK_DATA_DIR: dataDir, LOG_LEVEL: 'info', PROXY_WORKERS: '2', API_WORKERS: '1', DATABASE_POOL_MAX: '4' },
    `${base}/healthz`,
    ['--mock-providers'],
  );
  await waitFor(() => standalone.output().includes('BYOK Gateway is running at'), 60_000, 'the start banner');
  // The banner is a synchronous write and pino's lines are asynchronous ones, so on a busy machine
  // the last log lines of the start can reach the pipe after the banner.
  await waitFor(() => logLines().some((l) => l.msg === 'worker processes started') && servingPids().size === 4, 30_000, 'the log lines of the start');
}, 180_000);

afterAll(async () => {
  if (standalone?.child.exitCode === null) {
    standalone.child.kill('SIGTERM');
    await standalone.exited;
  }
  await db?.drop();
  if (redisPrefix) await deleteRedisPrefix(redisPrefix);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** The JSON log lines of every process, parsed. */
const logLines = (): Array<Record<string, unknown>> =>
  standalone
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

/** The processes that checked the stored keys at their start: the primary and each worker. */
const servingPids = (): Set<unknown> => new Set(logLines().filter((l) => l.msg === 'stored keys are readable with the configured encryption keys').map((l) => l.pid));

describe('the standalone processes', () => {
  it('do the once-per-start work in the primary only, then fork two HTTP workers and one background process', () => {
    const lines = logLines();
    const started = lines.filter((l) => l.msg === 'worker processes started');
    expect(started).toHaveLength(1);
    expect(started[0]?.workers).toEqual({ http: 2, background: 1 });
    const primaryPid = started[0]?.pid;
    const migrations = lines.filter((l) => l.msg === 'applied migrations');
    expect(migrations.map((l) => l.pid)).toEqual([primaryPid]);
    // Each generated secret is announced once, by the primary that created it.
    const secrets = lines.filter((l) => typeof l.msg === 'string' && l.msg.includes('using the generated'));
    expect(secrets.map((l) => l.pid)).toEqual([primaryPid, primaryPid]);
    expect(secrets.every((l) => l.created === true)).toBe(true);
    expect(servingPids().size).toBe(4);
  });

  it('test a saved key in the background process and store the usage of a proxied request', async () => {
    const secret = readFileSync(devSecretPath('jwt-secret', dataDir), 'utf8').trim();
    const token = await mintDevToken({ secret, issuer: 'byok-gateway', audience: 'byok-gateway', userId: 'standalone-user', admin: false, userIdClaim: 'sub', ttlSeconds: 600 });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const saved = await onFreshConnection(`${base}/api/v1/llm/byok/keys`, { method: 'POST', headers, body: JSON.stringify({ provider: 'openai', api_key: fakeKey('openai', 'valid', 'standalone') }) });
    expect(saved.status, saved.body).toBeLessThan(300);
    const chat = await onFreshConnection(`${base}/v1/chat/completions`, { method: 'POST', headers, body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }) });
    expect(chat.status, chat.body).toBe(200);
    const requestId = String(chat.headers['x-request-id']);
    await waitFor(async () => (await db.sql('SELECT 1 FROM usage_events WHERE request_id = $1', [requestId])).length === 1, 20_000, 'the usage event in Postgres');
    const [key] = await waitFor(async () => {
      const rows = await db.sql<{ test_status: string }>("SELECT test_status FROM user_provider_keys WHERE user_id = 'standalone-user'");
      return rows[0]?.test_status === 'valid' ? rows : undefined;
    }, 20_000, 'the key test');
    expect(key?.test_status).toBe('valid');
  }, 60_000);

  it('stop every process on SIGTERM, HTTP workers before the background one, with status 0', async () => {
    standalone.child.kill('SIGTERM');
    expect(await standalone.exited).toBe(0);
    const stopped = logLines().filter((l) => typeof l.msg === 'string' && l.msg.endsWith(' stopped')).map((l) => l.msg);
    expect(stopped).toEqual(['standalone http stopped', 'standalone http stopped', 'standalone background stopped', 'standalone stopped']);
  }, 60_000);
});
