/**
 * Read-side latency with a full table: 1,000,000 usage events (and their ~720,000 daily
 * aggregates) and 1,000,000 audit records. Measures sequential request latency over real HTTP
 * (keep-alive, one request in flight, the server in this process), so the load generator never
 * competes with the server for the CPU; each target runs many iterations and rotates users.
 * The baseline is an authenticated `SELECT 1` route on the same Fastify stack (auth, request id,
 * ORM context, error handler), measured in the same run.
 */
import { cpus, loadavg } from 'node:os';
import { mintDevToken } from '@byok/auth';
import { buildApi } from '@byok/api';
import { createKeyring } from '@byok/crypto';
import { loadConfig } from '@byok/config';
import { openRuntime } from '@byok/runtime';
import { createLogger } from '@byok/telemetry';
import { deleteRedisPrefix } from '../test/support/redis-cleanup.js';
import { testServiceUrls, uniqueTestName } from '../test/support/services.js';
import { createTestDatabase, type TestDatabase } from '../test/support/test-database.js';
import type { Benchmark } from './run.js';

const USERS = 1000;
const EVENTS = 1_000_000;
const AUDIT_RECORDS = 1_000_000;
const DAYS = 120;
const WARMUP = 100;
const ITERATIONS = 1500;
const KEY = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=';
const SECRET = 'bench-only-jwt-secret-0123456789abcdef-not-real';

/**
 * Six (provider, model, credential source) routes per user; the event number picks the user,
 * route and day, so every user has traffic on every route on every day: ~1.4 events per
 * aggregate row, a pessimistic (row-heavy) shape for the read side.
 */
const SEED_EVENTS = `
  WITH routes(i, provider, model, source) AS (VALUES
    (0, 'openai', 'gpt-4o-mini', 'user_provider'), (1, 'openai', 'gpt-4o', 'system'),
    (2, 'anthropic', 'claude-3-5-haiku', 'user_provider'), (3, 'openrouter', 'meta-llama/llama-3.3-70b-instruct', 'user_openrouter'),
    (4, 'openrouter', 'anthropic/claude-3-5-sonnet', 'user_openrouter'), (5, 'groq', 'llama-3.1-8b-instant', 'system'))
  INSERT INTO usage_events (request_id, user_id, provider, model, credential_source, status_code, success, prompt_tokens,
                            completion_tokens, cost_micro, credits_micro, latency_ms, occurred_at)
  SELECT 'bench-' || g, 'user-' || (g % ${USERS}), r.provider, r.model, r.source,
         CASE WHEN g % 50 = 0 THEN 502 ELSE 200 END, g % 50 <> 0, g % 2000, g % 500, g % 10000,
         CASE WHEN r.source = 'system' THEN g % 10000 ELSE 0 END, 100,
         date_trunc('day', now()) - ((g / ${USERS * 6}) % ${DAYS}) * interval '1 day' + ((g::bigint * 7919) % 86400) * interval '1 second'
  FROM generate_series(0, ${EVENTS - 1}) AS g JOIN routes r ON r.i = (g / ${USERS}) % 6`;

/** The aggregates exactly as the usage consumer would have written them from those events. */
const SEED_DAILY = `
  INSERT INTO usage_daily (user_id, provider, model, day, credential_source, calls, errors, prompt_tokens, completion_tokens,
                           cost_micro, credits_micro, last_used_at)
  SELECT user_id, provider, model, (occurred_at AT TIME ZONE 'UTC')::date, credential_source, count(*), count(*) FILTER (WHERE NOT success),
         sum(prompt_tokens), sum(completion_tokens), sum(cost_micro), sum(credits_micro), max(occurred_at)
  FROM usage_events GROUP BY 1, 2, 3, 4, 5`;

/** Their platform rollup, as the consumer keeps it alongside. */
const SEED_PLATFORM = `
  INSERT INTO usage_platform_daily (day, provider, credential_source, calls, errors, prompt_tokens, completion_tokens, cost_micro, credits_micro, last_used_at)
  SELECT day, provider, credential_source, sum(calls), sum(errors), sum(prompt_tokens), sum(completion_tokens), sum(cost_micro), sum(credits_micro), max(last_used_at)
  FROM usage_daily GROUP BY 1, 2, 3`;

/** Three seconds apart, newest now; 1,000 records per user, each user's spread over five actions and four providers (and none). */
const SEED_AUDIT = `
  INSERT INTO audit_log (occurred_at, actor_id, actor_type, action, subject_user_id, provider, details)
  SELECT now() - (${AUDIT_RECORDS} - g) * interval '3 seconds', 'user-' || (g % ${USERS}), 'user',
         (ARRAY['key.created', 'key.replaced', 'key.tested', 'key.deleted', 'key.enabled'])[1 + (g / ${USERS}) % 5],
         'user-' || (g % ${USERS}), (ARRAY['openai', 'anthropic', 'openrouter', 'groq', NULL])[1 + (g / ${USERS * 5}) % 5],
         jsonb_build_object('key_version', g % 7, 'masked_key', 'sk-****…****abcd')
  FROM generate_series(1, ${AUDIT_RECORDS}) AS g`;

/** Seeds the tables; exported so a query plan can be studied on the same data outside a run. */
export async function seed(db: TestDatabase): Promise<string[]> {
  const timings: string[] = [];
  const step = async (label: string, sql: string) => {
    const start = performance.now();
    await db.sql(sql);
    timings.push(`${label} ${((performance.now() - start) / 1000).toFixed(1)} s`);
  };
  await step('usage_events', SEED_EVENTS);
  await step('usage_daily', SEED_DAILY);
  await step('usage_platform_daily', SEED_PLATFORM);
  await step('audit_log', SEED_AUDIT);
  // Real tokens under the bench key: the runtime refuses to boot over keys it cannot decrypt.
  const token = createKeyring([KEY]).encrypt('fake-bench-provider-key');
  await step(
    'keys',
    `INSERT INTO user_provider_keys (user_id, provider, api_key_encrypted) SELECT 'user-' || u, p, '${token}' FROM generate_series(0, ${USERS - 1}) u CROSS JOIN (VALUES ('openai'), ('openrouter')) AS v(p)`,
  );
  await step('analyze', 'ANALYZE');
  return timings;
}

interface Target {
  label: string;
  /** Path for request number `i` and its bearer token. */
  request(i: number): { path: string; token: string };
}

interface Measured {
  label: string;
  samples: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

async function timeOne(baseUrl: string, target: Target, i: number): Promise<number> {
  const { path, token } = target.request(i);
  const start = performance.now();
  const res = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  const elapsed = performance.now() - start;
  if (res.status !== 200) throw new Error(`${target.label}: ${path} answered ${res.status}`);
  return elapsed;
}

/**
 * Round-robin: each round sends one request to every target in turn, so a burst of load from
 * elsewhere on this shared machine lands on all targets alike instead of on whichever ran then.
 */
async function measureInterleaved(baseUrl: string, targets: Target[]): Promise<Measured[]> {
  const samples = targets.map(() => [] as number[]);
  for (let round = 0; round < WARMUP + ITERATIONS; round++) {
    for (const [t, target] of targets.entries()) {
      const elapsed = await timeOne(baseUrl, target, round);
      if (round >= WARMUP) samples[t]?.push(elapsed);
    }
  }
  return targets.map((target, t) => {
    const sorted = (samples[t] ?? []).sort((a, b) => a - b);
    return {
      label: target.label,
      samples: sorted.length,
      p50Ms: quantile(sorted, 0.5),
      p99Ms: quantile(sorted, 0.99),
      meanMs: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    };
  });
}

const bench: Benchmark = {
  title: 'Usage and audit queries: 1,000,000 usage events and 1,000,000 audit records',
  async run() {
    const db = await createTestDatabase('bench_usage_query');
    try {
      const seedTimings = await seed(db);
      const [counts] = await db.sql<{ events: string; daily: string; audit: string }>(
        'SELECT (SELECT count(*) FROM usage_events) AS events, (SELECT count(*) FROM usage_daily) AS daily, (SELECT count(*) FROM audit_log) AS audit',
      );
      const results = await measureAgainstApi(db);
      return report(results, [
        `Tables: ${counts?.events} usage_events, ${counts?.daily} usage_daily rows (${USERS} users × 6 routes × ${DAYS} days), ${counts?.audit} audit_log records (${AUDIT_RECORDS / USERS} per user).`,
        `Seeding: ${seedTimings.join(', ')}.`,
      ]);
    } finally {
      // Two million rows are not left behind, even when a step fails.
      await db.drop();
    }
  },
};

/** Starts the real API (plus the baseline route) on the seeded database and measures every target. */
async function measureAgainstApi(db: TestDatabase): Promise<Measured[]> {
  const prefix = uniqueTestName('bench_usage_query');
  const config = loadConfig({ DATABASE_URL: db.url, REDIS_URL: testServiceUrls().redisUrl, REDIS_PREFIX: prefix, BYOK_ENCRYPTION_KEYS: KEY, AUTH_JWT_SECRET: SECRET, LOG_LEVEL: 'silent', DATABASE_POOL_MAX: '20' });
  const runtime = await openRuntime(config, createLogger({ level: 'silent', name: 'bench' }));
  const api = await buildApi(runtime);
  // The baseline: the same stack and a database round trip, no query work.
  await api.register(async (scope) => {
    scope.addHook('onRequest', scope.authenticate);
    scope.get('/bench/select-1', async (request) => {
      await request.em.execute('SELECT 1');
      return { ok: true };
    });
  });
  await api.listen({ port: 0, host: '127.0.0.1' });
  try {
    const baseUrl = `http://127.0.0.1:${(api.server.address() as { port: number }).port}`;
    const mint = (userId: string, admin = false) =>
      mintDevToken({ secret: SECRET, issuer: config.auth.issuer, audience: 'byok-gateway', userId, admin, userIdClaim: config.auth.userIdClaim, ttlSeconds: 3600 });
    const targets = await buildTargets(db, mint);
    return await measureInterleaved(baseUrl, targets);
  } finally {
    await api.close();
    await runtime.close();
    await deleteRedisPrefix(prefix);
  }
}

const dayAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);

/** What is measured: the baseline, then the usage routes, then the audit query at its shallowest and deepest. */
async function buildTargets(db: TestDatabase, mint: (userId: string, admin?: boolean) => Promise<string>): Promise<Target[]> {
  const users = Array.from({ length: 200 }, (_, i) => `user-${i * 5}`);
  const tokens = await Promise.all(users.map((u) => mint(u)));
  const admin = await mint('bench-admin', true);
  const userAt = (i: number) => users[i % users.length] ?? '';
  const tokenAt = (i: number) => tokens[i % tokens.length] ?? '';
  // A cursor 950 records deep for each user (page 20 of 50), and one near the bottom of the whole table.
  const deep = await db.sql<{ subject_user_id: string; id: string }>(
    `SELECT subject_user_id, id::text AS id FROM (
       SELECT subject_user_id, id, row_number() OVER (PARTITION BY subject_user_id ORDER BY id DESC) AS n FROM audit_log WHERE subject_user_id = ANY($1)
     ) ranked WHERE n = 951`,
    [users],
  );
  const cursors = new Map(deep.map((r) => [r.subject_user_id, Buffer.from(`a1:${r.id}`).toString('base64url')]));
  const deepCursor = (i: number) => cursors.get(userAt(i)) ?? '';
  const bottom = Buffer.from('a1:1001').toString('base64url');
  const monthAgo = Date.now() - 30 * 86_400_000;
  const oneDay = `from=${encodeURIComponent(new Date(monthAgo).toISOString())}&to=${encodeURIComponent(new Date(monthAgo + 86_400_000).toISOString())}`;
  const asUser = (label: string, path: (i: number) => string): Target => ({ label, request: (i) => ({ path: path(i), token: tokenAt(i) }) });
  const asAdmin = (label: string, path: (i: number) => string): Target => ({ label, request: (i) => ({ path: path(i), token: admin }) });
  return [
    asUser('baseline: authenticated SELECT 1', () => '/bench/select-1'),
    asUser('GET /llm/byok/keys/openai/usage (30 days)', () => '/api/v1/llm/byok/keys/openai/usage'),
    asUser('GET /llm/byok/keys/openrouter/usage (90 days)', () => `/api/v1/llm/byok/keys/openrouter/usage?from=${dayAgo(89)}`),
    asUser('GET /llm/usage?group_by=model (30 days)', () => '/api/v1/llm/usage?group_by=model'),
    asUser('GET /llm/usage?group_by=day (366 days)', () => `/api/v1/llm/usage?group_by=day&from=${dayAgo(365)}`),
    asUser('GET /llm/usage?format=csv (30 days)', () => '/api/v1/llm/usage?format=csv&group_by=model'),
    asUser('GET /audit (own, first page of 50)', () => '/api/v1/audit'),
    asUser('GET /audit (own, page 20: cursor 950 deep)', (i) => `/api/v1/audit?cursor=${deepCursor(i)}`),
    asUser('GET /audit (own, action filter)', () => '/api/v1/audit?action=key.deleted'),
    asAdmin('GET /audit admin (all, first page)', () => '/api/v1/audit'),
    asAdmin('GET /audit admin (all, bottom of the table)', () => `/api/v1/audit?cursor=${bottom}`),
    asAdmin('GET /audit admin (user=, page 20)', (i) => `/api/v1/audit?user=${userAt(i)}&cursor=${deepCursor(i)}`),
    asAdmin('GET /audit admin (action=, bottom)', () => `/api/v1/audit?action=key.deleted&cursor=${bottom}`),
    asAdmin('GET /audit admin (provider=, bottom)', () => `/api/v1/audit?provider=groq&cursor=${bottom}`),
    asAdmin('GET /audit admin (one day, a month ago)', () => `/api/v1/audit?${oneDay}`),
    asAdmin('GET /admin/usage (platform, 30 days)', () => '/api/v1/admin/usage'),
  ];
}

function report(results: Measured[], preamble: string[]): string {
  const baseline = results[0];
  const row = (r: Measured) =>
    `| ${r.label} | ${r.samples} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${r.meanMs.toFixed(2)} | ${baseline ? (r.p99Ms - baseline.p99Ms).toFixed(2) : ''} |`;
  return [
    ...preamble,
    `Sequential latency over HTTP (keep-alive, one request in flight, server in this process), targets interleaved round by round: ${WARMUP} warm-up rounds + ${ITERATIONS} measured rounds, rotating 200 users. Load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores.`,
    '',
    '| target | samples | p50 ms | p99 ms | mean ms | p99 minus baseline p99 |',
    '|---|---|---|---|---|---|',
    ...results.map(row),
    '',
    'Target: usage and audit p99 under 20 ms.',
  ].join('\n');
}

export default bench;
