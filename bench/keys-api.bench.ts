/**
 * GET /keys and POST /keys with 10,000 users' keys in the table: first a closed loop at 50
 * connections against a bare Fastify route measured in the same run (the machine's own ceiling for
 * a JSON answer), then paced open-loop runs at a fixed rate (the targets of issue 15: GET p99 under
 * 15 ms and POST p99 under 50 ms at 300/s). `KEYS_BENCH_PROFILE_DIR=<dir>` runs the API under
 * `node --cpu-prof` and writes its profile there when it stops.
 */
import { createKeyring } from '@byok/crypto';
import { mintDevToken } from '@byok/auth';
import { createTestDatabase } from '../test/support/test-database.js';
import { deleteRedisPrefix } from '../test/support/redis-cleanup.js';
import { testServiceUrls, uniqueTestName } from '../test/support/services.js';
import { startChildServer } from './support/child-server.js';
import { formatLoadRow, LOAD_TABLE_HEADER, runLoad } from './support/http-load.js';
import { formatPacedRow, PACED_TABLE_HEADER, pacedLoad } from './support/paced-load.js';
import type { Benchmark } from './run.js';

const USERS = 10_000;
const CONNECTIONS = 50;
const SECONDS = Number(process.env.KEYS_BENCH_SECONDS ?? 10);
const PACED_RATE = 300;
/** POSTs go round this many (user, provider) keys, as in the measurement. */
const SAVED_KEYS = 320;
const KEY = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=';
const SECRET = 'bench-only-jwt-secret-0123456789abcdef-not-real';
const PATH = '/api/v1/llm/byok/keys';

async function seed(sql: (text: string, params?: unknown[]) => Promise<unknown>): Promise<void> {
  const keyring = createKeyring([KEY]);
  const providers = ['openrouter', 'openai', 'groq'];
  for (let start = 0; start < USERS; start += 1000) {
    const values: string[] = [];
    const params: unknown[] = [];
    for (let u = start; u < start + 1000; u++) {
      for (const provider of providers.slice(0, 1 + (u % 3))) {
        params.push(`user-${u}`, provider, keyring.encrypt(`fake-bench-key-${u}-${provider}`), 'fake-****…****0000');
        const i = params.length;
        values.push(`($${i - 3}, $${i - 2}, $${i - 1}, $${i}, 'valid')`);
      }
    }
    await sql(`INSERT INTO user_provider_keys (user_id, provider, api_key_encrypted, key_hint, test_status) VALUES ${values.join(',')}`, params);
  }
}

/** A fake Groq-shaped key, different for every `n`. */
function fakeGroqKey(n: number): string {
  return `gsk_${n.toString(36).padStart(8, '0')}FakeBenchKey0000000000000000000000000000`.slice(0, 52);
}

const bench: Benchmark = {
  title: 'Keys API: GET /keys and POST /keys, 10,000 users, closed loop at 50 connections and paced at 300/s',
  async run() {
    const db = await createTestDatabase('bench_keys');
    const prefix = uniqueTestName('bench_keys');
    await seed(db.sql);
    const profileDir = process.env.KEYS_BENCH_PROFILE_DIR;
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: testServiceUrls().redisUrl,
      REDIS_PREFIX: prefix,
      BYOK_ENCRYPTION_KEYS: KEY,
      AUTH_JWT_SECRET: SECRET,
      LOG_LEVEL: 'silent',
      // The per-user budget of provider calls stays on (one Redis round trip per save) but high
      // enough that the paced run's 3,000 saves over 320 keys are all stored.
      KEY_TEST_RATE_LIMIT_PER_MINUTE: '100000',
      ...(profileDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } : {}),
    };
    const api = await startChildServer('bench/support/serve-api.ts', env);
    const baseline = await startChildServer('bench/support/serve-bare-fastify.ts');
    const origin = api.url;

    const tokens = await Promise.all(
      Array.from({ length: 500 }, (_, i) => mintDevToken({ secret: SECRET, issuer: 'byok-gateway', audience: 'byok-gateway', userId: `user-${i * 20}`, admin: false, userIdClaim: 'sub', ttlSeconds: 3600 })),
    );
    const bearer = (i: number) => `Bearer ${tokens[i % tokens.length]}`;
    const bearerOfSavedKey = (i: number) => `Bearer ${tokens[i % SAVED_KEYS]}`;
    let next = 0;
    let saves = 0;
    const asNextUser = (request: { headers?: Record<string, string> }) => ({
      ...request,
      headers: { ...request.headers, authorization: bearer(next++) },
    });

    const closed: string[] = [];
    closed.push(formatLoadRow('bare Fastify GET (baseline)', await runLoad({ url: `${baseline.url}/keys`, connections: CONNECTIONS, durationSeconds: SECONDS })));
    closed.push(formatLoadRow(`GET ${PATH}`, await runLoad({ url: `${origin}${PATH}`, connections: CONNECTIONS, durationSeconds: SECONDS, setupRequest: asNextUser })));
    const closedPost = await runLoad({
      url: `${origin}${PATH}`,
      connections: CONNECTIONS,
      durationSeconds: SECONDS,
      method: 'POST',
      setupRequest: (request) => ({
        ...request,
        method: 'POST',
        headers: { ...request.headers, authorization: bearerOfSavedKey(saves), 'content-type': 'application/json' },
        body: JSON.stringify({ provider: 'groq', api_key: fakeGroqKey(saves++) }),
      }),
    });
    closed.push(formatLoadRow(`POST ${PATH} (encrypt + upsert + audit + enqueue)`, closedPost));

    // The API process restarts between the closed and the paced runs, so the paced runs include its first second.
    await api.stop();
    const fresh = await startChildServer('bench/support/serve-api.ts', env);
    const baselinePaced = await pacedLoad({ origin: baseline.url, rate: PACED_RATE, seconds: SECONDS, request: () => ({ method: 'GET', path: '/keys', headers: {} }) });
    const pacedGet = await pacedLoad({
      origin: fresh.url,
      rate: PACED_RATE,
      seconds: SECONDS,
      request: (i) => ({ method: 'GET', path: PATH, headers: { authorization: bearer(i) } }),
    });
    const pacedPost = await pacedLoad({
      origin: fresh.url,
      rate: PACED_RATE,
      seconds: SECONDS,
      request: (i) => ({
        method: 'POST',
        path: PATH,
        headers: { authorization: bearerOfSavedKey(i), 'content-type': 'application/json' },
        body: JSON.stringify({ provider: 'groq', api_key: fakeGroqKey(1_000_000 + i) }),
      }),
    });

    await fresh.stop();
    await baseline.stop();
    await deleteRedisPrefix(prefix);
    await db.drop();
    return [
      `Table: ${USERS} users, ${USERS * 2} keys; POSTs go round ${SAVED_KEYS} keys (user, provider). Servers in child processes, load generators in the bench process; ${SECONDS} s per row.`,
      '',
      `Closed loop, ${CONNECTIONS} connections (autocannon):`,
      '',
      LOAD_TABLE_HEADER,
      ...closed,
      '',
      `Paced open loop at ${PACED_RATE}/s (latency counted from each request's due time; a freshly started API, so the first second is included):`,
      '',
      PACED_TABLE_HEADER,
      formatPacedRow('bare Fastify GET (baseline)', PACED_RATE, baselinePaced),
      formatPacedRow(`GET ${PATH}`, PACED_RATE, pacedGet),
      formatPacedRow(`POST ${PATH}`, PACED_RATE, pacedPost),
      '',
      `Targets at ${PACED_RATE}/s: GET p99 under 15 ms (${pacedGet.p99Ms.toFixed(2)} ms); POST ${PACED_RATE}/s achieved (${Math.round(pacedPost.achievedRate)}/s) with p99 under 50 ms (${pacedPost.p99Ms.toFixed(2)} ms).`,
    ].join('\n');
  },
};

export default bench;
