/**
 * The cost of tracing on a request path: the real API entry (`apps/api/src/main.ts`, started with
 * the production flags) serving `GET /api/v1/llm/byok/keys`, once with tracing off (no OTLP
 * endpoint: no SDK loaded) and once on (OTLP/proto export, every request sampled, metrics every
 * 15 s, to a local OTLP sink), in the same run. Each server runs in its own process; autocannon
 * runs here. Rounds alternate off/on so drift on this shared 2-core machine hits both alike, and
 * CPU time per request (from /proc) is reported next to throughput because it does not depend on
 * what else the machine runs.
 *
 * A proxy variant slots in as another `Target` (see bench/TRACING-NOTES.md).
 */
import { mintDevToken } from '@byok/auth';
import { createKeyring } from '@byok/crypto';
import { deleteRedisPrefix } from '../test/support/redis-cleanup.js';
import { testServiceUrls, uniqueTestName } from '../test/support/services.js';
import { createTestDatabase } from '../test/support/test-database.js';
import type { Benchmark } from './run.js';
import { type EntryProcess, freePort, startEntryProcess } from './support/entry-process.js';
import { runLoad, type LoadResult } from './support/http-load.js';
import { startOtlpSink } from './support/otlp-sink.js';

const KEY = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=';
const SECRET = 'bench-only-jwt-secret-0123456789abcdef-not-real';
const USERS = 200;
const CONNECTIONS = 32;
const WARMUP_SECONDS = 5;
const ROUND_SECONDS = Number(process.env.TRACING_BENCH_SECONDS ?? 8);
/** Alternating order, so a slow patch of the shared machine lands on every mode alike. */
const ROUNDS: readonly Mode[] = ['off', 'on', 'sampled', 'sampled', 'on', 'off', 'off', 'sampled', 'on', 'on', 'off', 'sampled'];
const MODES = ['off', 'on', 'sampled'] as const;
const PATH = '/api/v1/llm/byok/keys';

/** off: no OTLP endpoint (no SDK). on: every request traced. sampled: 10 % of requests traced. */
type Mode = (typeof MODES)[number];

interface Round {
  mode: Mode;
  load: LoadResult;
  cpuMsPerRequest: number;
}

/** The environment without any OTEL_* the caller's shell might carry: "off" must really be off. */
function baseEnv(extra: Record<string, string>): Record<string, string> {
  const inherited = Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined && !entry[0].startsWith('OTEL_'));
  return { ...Object.fromEntries(inherited), ...extra };
}

async function seed(sql: (text: string, params?: unknown[]) => Promise<unknown>): Promise<void> {
  const keyring = createKeyring([KEY]);
  const values: string[] = [];
  const params: unknown[] = [];
  for (let u = 0; u < USERS; u++) {
    for (const provider of ['openrouter', 'openai', 'groq']) {
      params.push(`user-${u}`, provider, keyring.encrypt(`fake-bench-key-${u}-${provider}`), 'fake-****…****0000');
      const i = params.length;
      values.push(`($${i - 3}, $${i - 2}, $${i - 1}, $${i}, 'valid')`);
    }
  }
  await sql(`INSERT INTO user_provider_keys (user_id, provider, api_key_encrypted, key_hint, test_status) VALUES ${values.join(',')}`, params);
}

async function measure(server: EntryProcess, url: string, tokens: string[], seconds: number, mode: Mode): Promise<Round> {
  let next = 0;
  const cpuBefore = server.cpuMs();
  const load = await runLoad({
    url,
    connections: CONNECTIONS,
    durationSeconds: seconds,
    setupRequest: (request) => ({ ...request, headers: { ...request.headers, authorization: `Bearer ${tokens[next++ % tokens.length]}` } }),
  });
  const cpuMs = server.cpuMs() - cpuBefore;
  return { mode, load, cpuMsPerRequest: load.total > 0 ? cpuMs / load.total : Number.NaN };
}

/** Medians, not means: on a shared machine one round can land on a busy patch and drag a mean. */
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
};

const bench: Benchmark = {
  title: 'Tracing cost: GET /api/v1/llm/byok/keys through the real API entry, tracing off vs on',
  async run() {
    const db = await createTestDatabase('bench_tracing');
    const prefix = uniqueTestName('bench_tracing');
    const sink = await startOtlpSink();
    const servers: EntryProcess[] = [];
    try {
      await seed(db.sql);
      const tokens = await Promise.all(
        Array.from({ length: USERS }, (_, u) => mintDevToken({ secret: SECRET, issuer: 'byok-gateway', audience: 'byok-gateway', userId: `user-${u}`, admin: false, userIdClaim: 'sub', ttlSeconds: 3600 })),
      );
      const common = {
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        DATABASE_URL: db.url,
        DATABASE_POOL_MAX: '10',
        REDIS_URL: testServiceUrls().redisUrl,
        REDIS_PREFIX: prefix,
        BYOK_ENCRYPTION_KEYS: KEY,
        AUTH_JWT_SECRET: SECRET,
        LOG_LEVEL: 'info',
      };
      const traced = { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_SERVICE_NAME: 'byok-api-bench', OTEL_METRIC_EXPORT_INTERVAL: '15000', OTEL_LOGS_EXPORTER: 'none' };
      const modeEnv: Record<Mode, Record<string, string>> = {
        off: {},
        on: traced,
        sampled: { ...traced, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' },
      };
      const urls: Record<Mode, string> = { off: '', on: '', sampled: '' };
      const processes: Partial<Record<Mode, EntryProcess>> = {};
      for (const mode of MODES) {
        const port = await freePort();
        const server = await startEntryProcess('apps/api/src/main.ts', baseEnv({ ...common, PORT: String(port), ...modeEnv[mode] }), `http://127.0.0.1:${port}/healthz`);
        servers.push(server);
        processes[mode] = server;
        urls[mode] = `http://127.0.0.1:${port}${PATH}`;
      }
      const serverOf = (mode: Mode): EntryProcess => {
        const server = processes[mode];
        if (server === undefined) throw new Error(`no ${mode} server`);
        return server;
      };
      for (const mode of MODES) await measure(serverOf(mode), urls[mode], tokens, WARMUP_SECONDS, mode);
      const exportedBefore = sink.received()['/v1/traces']?.bytes ?? 0;
      const rounds: Round[] = [];
      for (const mode of ROUNDS) rounds.push(await measure(serverOf(mode), urls[mode], tokens, ROUND_SECONDS, mode));
      const exportedBytes = (sink.received()['/v1/traces']?.bytes ?? 0) - exportedBefore;

      const of = (mode: Mode) => rounds.filter((r) => r.mode === mode);
      const summary = (mode: Mode) => ({
        rps: median(of(mode).map((r) => r.load.requestsPerSecond)),
        p50: median(of(mode).map((r) => r.load.p50Ms)),
        p99: median(of(mode).map((r) => r.load.p99Ms)),
        cpuUs: median(of(mode).map((r) => r.cpuMsPerRequest)) * 1000,
        errors: of(mode).reduce((sum, r) => sum + r.load.errors + r.load.non2xx, 0),
        total: of(mode).reduce((sum, r) => sum + r.load.total, 0),
      });
      const off = summary('off');
      const on = summary('on');
      const sampled = summary('sampled');
      const loss = (s: ReturnType<typeof summary>) => `${((1 - s.rps / off.rps) * 100).toFixed(1)} %`;
      const extraCpu = (s: ReturnType<typeof summary>) => `+${(((s.cpuUs - off.cpuUs) / off.cpuUs) * 100).toFixed(0)} %`;
      const row = (label: string, s: ReturnType<typeof summary>) => `| ${label} | ${Math.round(s.rps)} | ${s.p50.toFixed(1)} | ${s.p99.toFixed(1)} | ${Math.round(s.cpuUs)} | ${s.errors} |`;
      return [
        `${USERS} users with 3 keys each; ${CONNECTIONS} connections; rounds ${ROUNDS.join(', ')} of ${ROUND_SECONDS} s after a ${WARMUP_SECONDS} s warm-up each; LOG_LEVEL=info to /dev/null. Table values are medians over each mode's rounds.`,
        'Tracing on = OTEL_EXPORTER_OTLP_ENDPOINT set: SDK, five instrumentations, batch export over OTLP/proto to a local sink, metrics every 15 s; sampled = parentbased_traceidratio 0.1.',
        '',
        '| tracing | req/s | p50 ms | p99 ms | server CPU µs/request | errors |',
        '|---|---|---|---|---|---|',
        row('off', off),
        row('on (every request)', on),
        row('on, 10 % sampled', sampled),
        '',
        `Per round (req/s, p99 ms, CPU µs/request): ${rounds.map((r) => `${r.mode} ${Math.round(r.load.requestsPerSecond)}/${r.load.p99Ms}/${Math.round(r.cpuMsPerRequest * 1000)}`).join(', ')}`,
        `Throughput loss: every request traced ${loss(on)}, 10 % sampled ${loss(sampled)} (target < 15 %). CPU per request: ${extraCpu(on)} and ${extraCpu(sampled)}. p99 ${off.p99.toFixed(1)} → ${on.p99.toFixed(1)} / ${sampled.p99.toFixed(1)} ms.`,
        `Exported: ${(exportedBytes / 1024 / 1024).toFixed(1)} MiB of spans for ${on.total + sampled.total} requests of the two traced servers (${Math.round(exportedBytes / Math.max(1, on.total + sampled.total / 10))} bytes per traced request).`,
      ].join('\n');
    } finally {
      for (const server of servers) await server.stop();
      await sink.close();
      await deleteRedisPrefix(prefix);
      await db.drop();
    }
  },
};

export default bench;
