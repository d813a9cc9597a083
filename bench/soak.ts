/**
 * Soak: mixed proxy and key traffic against the standalone entry (API + proxy + worker + usage
 * consumer, `apps/standalone/src/main.ts`) running in a child process, for a given duration, on a
 * database and Redis prefix of its own, with every provider pointed at the mock (in this process).
 *
 *   npx tsx --conditions=@byok/source bench/soak.ts [seconds]     (default 300)
 *
 * Samples the server's resident set (VmRSS from /proc) every SAMPLE_EVERY_MS and reports its growth
 * after the warm-up (target < 10 %) and the error count (expected 0: the traffic injects no faults,
 * so every non-2xx answer counts). Exit status 1 when either target is missed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mintDevToken } from '@byok/auth';
import { loadConfig } from '@byok/config';
import { PROVIDER_IDS } from '@byok/providers';
import { Agent, request } from 'undici';
import { chatRoutes } from '@byok/mock-providers/chat';
import { fakeKey, startMockProviders } from '@byok/mock-providers';
import { TEST_ENCRYPTION_KEY, TEST_JWT_SECRET } from '../test/support/api-harness.js';
import { deleteRedisPrefix } from '../test/support/redis-cleanup.js';
import { testServiceUrls, uniqueTestName } from '../test/support/services.js';
import { createTestDatabase } from '../test/support/test-database.js';
import { freePort } from '../test/support/free-port.js';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const DURATION_S = Number(process.argv[2] ?? 300);
const SAMPLE_EVERY_MS = 5000;
/** Share of the run treated as warm-up (JIT, pools, caches); growth is measured from its end. */
const WARM_UP_SHARE = 0.2;
const USERS = 50;
const PROXY_LANES = 6;
const KEY_LANES = 2;
const RSS_GROWTH_TARGET = 0.1;


function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match?.[1] ? Number(match[1]) / 1024 : Number.NaN;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  if (!Number.isFinite(DURATION_S) || DURATION_S < 10) throw new Error('usage: bench/soak.ts [seconds ≥ 10]');
  const mock = await startMockProviders({ slowDelayMs: 200, extraRoutes: chatRoutes });
  const db = await createTestDatabase('soak');
  const redisPrefix = uniqueTestName('soak');
  const dataDir = mkdtempSync(join(tmpdir(), 'soak-'));
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    DATABASE_URL: db.url,
    REDIS_URL: testServiceUrls().redisUrl,
    REDIS_PREFIX: redisPrefix,
    BYOK_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    BYOK_DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    KEY_TEST_WAIT_MS: '0',
    KEY_REVALIDATE_INTERVAL_MS: '0',
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    OTEL_TRACES_EXPORTER: 'none',
    ...Object.fromEntries(PROVIDER_IDS.map((id) => [`PROVIDER_${id.toUpperCase()}_BASE_URL`, mock.baseUrls[id]])),
  };
  const config = loadConfig(env);
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', '--conditions=@byok/source', 'apps/standalone/src/main.ts'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
  const pid = child.pid ?? 0;
  const base = `http://127.0.0.1:${port}`;
  const agent = new Agent({ connections: PROXY_LANES + KEY_LANES + 2 });
  const cleanup = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    await agent.close().catch(() => undefined);
    await deleteRedisPrefix(redisPrefix);
    await db.drop();
    await mock.close();
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    const readyBy = Date.now() + 90_000;
    for (;;) {
      const ok = await request(`${base}/readyz`, { dispatcher: agent }).then(
        async (r) => {
          await r.body.dump();
          return r.statusCode === 200;
        },
        () => false,
      );
      if (ok) break;
      if (Date.now() > readyBy) throw new Error('the standalone process did not become ready');
      await sleep(200);
    }
    const tokens = await Promise.all(
      Array.from({ length: USERS }, (_, i) =>
        mintDevToken({ secret: TEST_JWT_SECRET, issuer: config.auth.issuer, audience: 'byok-gateway', userId: `soak-${i}`, admin: false, userIdClaim: config.auth.userIdClaim, ttlSeconds: 24 * 3600 }),
      ),
    );
    const counts = { chat: 0, stream: 0, keySave: 0, keyList: 0, errors: 0 };
    const errorSamples: string[] = [];
    const call = async (method: 'GET' | 'POST', path: string, user: number, body?: unknown): Promise<void> => {
      const res = await request(`${base}${path}`, {
        dispatcher: agent,
        method,
        headers: { authorization: `Bearer ${tokens[user]}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }).catch((error: unknown) => ({ statusCode: 0, body: { text: async () => String(error) } }));
      const text = await res.body.text();
      if (res.statusCode < 200 || res.statusCode > 299) {
        counts.errors++;
        if (errorSamples.length < 5) errorSamples.push(`${method} ${path} → ${res.statusCode} ${text.slice(0, 160)}`);
      }
    };
    for (let i = 0; i < USERS; i++) await call('POST', '/api/v1/llm/byok/keys', i, { provider: 'openai', api_key: fakeKey('openai', 'valid', `soak-${i}`) });

    const started = Date.now();
    const endAt = started + DURATION_S * 1000;
    let n = 0;
    const proxyLane = async () => {
      while (Date.now() < endAt) {
        const i = n++;
        const user = i % USERS;
        if (i % 4 === 0) {
          await call('POST', '/v1/chat/completions', user, { model: 'gpt-4o-mini-slow-stream-20', messages: [{ role: 'user', content: 'one two three four' }], stream: true });
          counts.stream++;
        } else {
          await call('POST', '/v1/chat/completions', user, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `soak request ${i}` }] });
          counts.chat++;
        }
      }
    };
    let k = 0;
    const keyLane = async () => {
      while (Date.now() < endAt) {
        const i = k++;
        const user = i % USERS;
        if (i % 3 === 0) {
          // Replaces the user's key (same scenario, new material): a write, an audit row, a key-test job.
          await call('POST', '/api/v1/llm/byok/keys', user, { provider: 'openai', api_key: fakeKey('openai', 'valid', `soak-${user}-${i}`) });
          counts.keySave++;
        } else {
          await call('GET', '/api/v1/llm/byok/keys', user);
          counts.keyList++;
        }
        await sleep(20);
      }
    };
    const samples: Array<{ atS: number; rssMb: number }> = [];
    const sampler = (async () => {
      while (Date.now() < endAt) {
        samples.push({ atS: Math.round((Date.now() - started) / 1000), rssMb: rssMb(pid) });
        await sleep(SAMPLE_EVERY_MS);
      }
      samples.push({ atS: Math.round((Date.now() - started) / 1000), rssMb: rssMb(pid) });
    })();
    await Promise.all([...Array.from({ length: PROXY_LANES }, proxyLane), ...Array.from({ length: KEY_LANES }, keyLane), sampler]);

    const warmUpEndS = DURATION_S * WARM_UP_SHARE;
    const after = samples.filter((s) => s.atS >= warmUpEndS);
    const first = after[0]?.rssMb ?? Number.NaN;
    const last = after[after.length - 1]?.rssMb ?? Number.NaN;
    const peak = Math.max(...after.map((s) => s.rssMb));
    const growth = (last - first) / first;
    const total = counts.chat + counts.stream + counts.keySave + counts.keyList;
    const lines = [
      `soak: ${DURATION_S} s, standalone pid ${pid}, ${total} requests (${(total / DURATION_S).toFixed(0)}/s): ${JSON.stringify(counts)}`,
      `RSS after a ${warmUpEndS.toFixed(0)} s warm-up: ${first.toFixed(1)} MB → ${last.toFixed(1)} MB (peak ${peak.toFixed(1)} MB), growth ${(growth * 100).toFixed(1)} % (target < ${RSS_GROWTH_TARGET * 100} %)`,
      `RSS samples (s: MB): ${samples.map((s) => `${s.atS}:${s.rssMb.toFixed(0)}`).join(' ')}`,
      `errors: ${counts.errors}${errorSamples.length > 0 ? ` e.g. ${errorSamples.join(' | ')}` : ''}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    process.exitCode = growth < RSS_GROWTH_TARGET && counts.errors === 0 ? 0 : 1;
  } finally {
    await cleanup();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
