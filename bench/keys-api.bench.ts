/**
 * GET /keys and POST /keys at 50 connections with 10,000 users' keys in the table, against a bare
 * Fastify route measured in the same run (the machine's own ceiling for a JSON answer).
 */
import { createKeyring } from '@byok/crypto';
import { mintDevToken } from '@byok/auth';
import { createTestDatabase } from '../test/support/test-database.js';
import { deleteRedisPrefix } from '../test/support/redis-cleanup.js';
import { testServiceUrls, uniqueTestName } from '../test/support/services.js';
import { startChildServer } from './support/child-server.js';
import { formatLoadRow, LOAD_TABLE_HEADER, runLoad } from './support/http-load.js';
import type { Benchmark } from './run.js';

const USERS = 10_000;
const CONNECTIONS = 50;
const SECONDS = 10;
const KEY = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=';
const SECRET = 'bench-only-jwt-secret-0123456789abcdef-not-real';

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

const bench: Benchmark = {
  title: 'Keys API: GET /keys and POST /keys at 50 connections, 10,000 users',
  async run() {
    const db = await createTestDatabase('bench_keys');
    const prefix = uniqueTestName('bench_keys');
    await seed(db.sql);
    const env = { DATABASE_URL: db.url, REDIS_URL: testServiceUrls().redisUrl, REDIS_PREFIX: prefix, BYOK_ENCRYPTION_KEYS: KEY, AUTH_JWT_SECRET: SECRET, LOG_LEVEL: 'silent', DATABASE_POOL_MAX: '20' };
    const api = await startChildServer('bench/support/serve-api.ts', env);
    const baseline = await startChildServer('bench/support/serve-bare-fastify.ts');
    const apiUrl = api.url;
    const baselineUrl = baseline.url;

    const tokens = await Promise.all(
      Array.from({ length: 500 }, (_, i) => mintDevToken({ secret: SECRET, issuer: 'byok-gateway', audience: 'byok-gateway', userId: `user-${i * 20}`, admin: false, userIdClaim: 'sub', ttlSeconds: 3600 })),
    );
    let next = 0;
    const asNextUser = (request: { headers?: Record<string, string> }) => ({
      ...request,
      headers: { ...request.headers, authorization: `Bearer ${tokens[next++ % tokens.length]}` },
    });

    const rows: string[] = [];
    rows.push(formatLoadRow('bare Fastify GET (baseline)', await runLoad({ url: `${baselineUrl}/keys`, connections: CONNECTIONS, durationSeconds: SECONDS })));
    const get = await runLoad({ url: `${apiUrl}/api/v1/llm/byok/keys`, connections: CONNECTIONS, durationSeconds: SECONDS, setupRequest: asNextUser });
    rows.push(formatLoadRow('GET /api/v1/llm/byok/keys', get));
    let n = 0;
    const post = await runLoad({
      url: `${apiUrl}/api/v1/llm/byok/keys`,
      connections: CONNECTIONS,
      durationSeconds: SECONDS,
      method: 'POST',
      setupRequest: (request) => ({
        ...asNextUser(request),
        method: 'POST',
        headers: { ...asNextUser(request).headers, 'content-type': 'application/json' },
        body: JSON.stringify({ provider: 'groq', api_key: `gsk_${(n++).toString(36).padStart(8, '0')}FakeBenchKey0000000000000000000000000000`.slice(0, 52) }),
      }),
    });
    rows.push(formatLoadRow('POST /api/v1/llm/byok/keys (encrypt + upsert + audit + enqueue)', post));

    await api.stop();
    await baseline.stop();
    await deleteRedisPrefix(prefix);
    await db.drop();
    return [
      `Table: ${USERS} users, ${USERS * 2} keys. ${CONNECTIONS} connections, ${SECONDS} s each; servers in child processes, autocannon in the bench process.`,
      '',
      LOAD_TABLE_HEADER,
      ...rows,
      '',
      `Target: p99 under 15 ms for both. GET p99 ${get.p99Ms} ms, POST p99 ${post.p99Ms} ms.`,
    ].join('\n');
  },
};

export default bench;
