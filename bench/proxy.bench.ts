/**
 * The proxy's headline figure, in one run against the mock provider on loopback:
 * (a) straight to the mock, (b) through a minimal Fastify + undici pass-through (the yardstick),
 * (c) through the real proxy for a BYOK user whose route is cached (gateway token, Postgres,
 * Redis, usage events and all). Every server runs in its own child process; only the load
 * generators run here.
 *
 * - Throughput: 50 connections, closed loop, 10 s each (autocannon).
 * - Added latency: a fixed 1,000 req/s, 10 s each, open loop (undici, µs resolution); p50/p99 over direct.
 * - Streaming: added time to first byte (headers) and to the first event, p50 over direct, at 100 req/s.
 *
 * `BENCH_PROXY_CPU_PROF=<dir>` runs the proxy under `--cpu-prof` and writes its profile there.
 * `BENCH_PROXY_SECONDS` shortens every phase (for a quick look).
 */
import { generateGatewayToken } from '@byok/auth';
import { createKeyring } from '@byok/crypto';
import { insertGatewayToken, upsertProviderKey } from '@byok/db';
import type { ProviderId } from '@byok/providers';
import { fakeKey } from '../test/mock-providers/fake-keys.js';
import { deleteRedisPrefix } from '../test/support/redis-cleanup.js';
import { testServiceUrls, uniqueTestName } from '../test/support/services.js';
import { createTestDatabase, type TestDatabase } from '../test/support/test-database.js';
import { type Child, startChild } from './support/child-process.js';
import { closedLoop, fixedRate, type HttpTarget, quantile, type ThroughputResult } from './support/proxy-load.js';
import type { Benchmark } from './run.js';

const KEY = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=';
const SECRET = 'bench-only-jwt-secret-0123456789abcdef-not-real';
const SECONDS = Number(process.env.BENCH_PROXY_SECONDS ?? 10);
const CONNECTIONS = 50;
const RATE = 1000;
const STREAM_RATE = 100;
const USER = 'bench-user';
const BODY = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello to me' }] });
const STREAM_BODY = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello to me' }], stream: true });

const TARGETS = { MIN_THROUGHPUT_SHARE: 0.6, MAX_ADDED_P50_MS: 2, MAX_ADDED_P99_MS: 5, MAX_ADDED_TTFB_P50_MS: 1 };

interface Targets {
  direct: HttpTarget;
  passthrough: HttpTarget;
  proxy: HttpTarget;
}

const fmt = (ms: number) => ms.toFixed(2);
const mark = (ok: boolean) => (ok ? 'met' : '**not met**');

async function seed(db: TestDatabase, apiKey: string): Promise<string> {
  const keyring = createKeyring([KEY]);
  const em = db.orm.em.fork();
  await upsertProviderKey(em, { userId: USER, provider: 'openai' satisfies ProviderId, apiKeyEncrypted: keyring.encrypt(apiKey), keyHint: 'sk-proj-****…****' });
  const token = generateGatewayToken();
  await insertGatewayToken(em, { userId: USER, name: 'bench', tokenHash: token.hash, tokenPrefix: token.prefix, expiresAt: null });
  return token.token;
}

/** A closed-loop result plus the CPU the target's own server process spent per request. */
interface LoopResult extends ThroughputResult {
  cpuUsPerRequest: number;
}

async function throughput(targets: Targets, servers: Record<keyof Targets, Child<unknown>>): Promise<Record<keyof Targets, LoopResult>> {
  const out: Partial<Record<keyof Targets, LoopResult>> = {};
  for (const name of ['direct', 'passthrough', 'proxy'] as const) {
    await closedLoop(targets[name], CONNECTIONS, Math.min(3, SECONDS)); // warm-up: JIT, pools, caches
    const cpuBefore = await servers[name].cpuMs();
    const result = await closedLoop(targets[name], CONNECTIONS, SECONDS);
    const cpuMs = (await servers[name].cpuMs()) - cpuBefore;
    out[name] = { ...result, cpuUsPerRequest: (cpuMs * 1000) / Math.max(1, result.total) };
  }
  return out as Record<keyof Targets, LoopResult>;
}

const bench: Benchmark = {
  title: 'Proxy: throughput, added latency and time to first byte, against a minimal pass-through',
  async run() {
    const db = await createTestDatabase('bench_proxy');
    const prefix = uniqueTestName('bench_proxy');
    const apiKey = fakeKey('openai', 'valid', 'bench');
    const gatewayToken = await seed(db, apiKey);
    const children: Child<unknown>[] = [];
    try {
      const mock = await startChild<{ url: string; baseUrls: Record<ProviderId, string> }>('bench/support/serve-mock.ts', {});
      children.push(mock);
      const passthrough = await startChild<{ url: string }>('bench/support/serve-passthrough.ts', {
        UPSTREAM_URL: `${mock.info.baseUrls.openai}/chat/completions`,
        UPSTREAM_API_KEY: apiKey,
      });
      children.push(passthrough);
      const profileDir = process.env.BENCH_PROXY_CPU_PROF;
      const proxy = await startChild<{ url: string }>(
        'bench/support/serve-proxy.ts',
        {
          DATABASE_URL: db.url,
          REDIS_URL: testServiceUrls().redisUrl,
          REDIS_PREFIX: prefix,
          BYOK_ENCRYPTION_KEYS: KEY,
          AUTH_JWT_SECRET: SECRET,
          PROVIDER_OPENAI_BASE_URL: mock.info.baseUrls.openai,
          LOG_LEVEL: 'warn',
          DATABASE_POOL_MAX: '5',
        },
        profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
      );
      children.push(proxy);

      const mockPath = new URL(`${mock.info.baseUrls.openai}/chat/completions`).pathname;
      const plain: Targets = {
        direct: { origin: mock.info.url, path: mockPath, headers: { authorization: `Bearer ${apiKey}` }, body: BODY },
        passthrough: { origin: passthrough.info.url, path: '/v1/chat/completions', headers: {}, body: BODY },
        proxy: { origin: proxy.info.url, path: '/v1/chat/completions', headers: { authorization: `Bearer ${gatewayToken}` }, body: BODY },
      };
      const streaming: Targets = {
        direct: { ...plain.direct, body: STREAM_BODY },
        passthrough: { ...plain.passthrough, body: STREAM_BODY },
        proxy: { ...plain.proxy, body: STREAM_BODY },
      };

      const loop = await throughput(plain, { direct: mock, passthrough, proxy });
      const rated: Record<string, { p50: number; p99: number; failed: number }> = {};
      for (const name of ['direct', 'passthrough', 'proxy'] as const) {
        await fixedRate(plain[name], RATE, Math.min(2, SECONDS));
        const sample = await fixedRate(plain[name], RATE, SECONDS);
        rated[name] = { p50: quantile(sample.totalMs, 0.5), p99: quantile(sample.totalMs, 0.99), failed: sample.failed };
      }
      const streamed: Record<string, { headers: number; first: number; failed: number }> = {};
      for (const name of ['direct', 'passthrough', 'proxy'] as const) {
        await fixedRate(streaming[name], STREAM_RATE, Math.min(2, SECONDS), { stream: true });
        const sample = await fixedRate(streaming[name], STREAM_RATE, Math.max(5, SECONDS / 2), { stream: true });
        streamed[name] = { headers: quantile(sample.totalMs, 0.5), first: quantile(sample.firstChunkMs, 0.5), failed: sample.failed };
      }
      return report(loop, rated, streamed);
    } finally {
      for (const child of children.reverse()) await child.stop();
      await deleteRedisPrefix(prefix);
      await db.drop();
    }
  },
};

function report(
  loop: Record<keyof Targets, LoopResult>,
  rated: Record<string, { p50: number; p99: number; failed: number }>,
  streamed: Record<string, { headers: number; first: number; failed: number }>,
): string {
  const d = rated.direct ?? { p50: 0, p99: 0, failed: 0 };
  const p = rated.proxy ?? d;
  const t = rated.passthrough ?? d;
  const sd = streamed.direct ?? { headers: 0, first: 0, failed: 0 };
  const sp = streamed.proxy ?? sd;
  const st = streamed.passthrough ?? sd;
  const share = loop.proxy.requestsPerSecond / loop.passthrough.requestsPerSecond;
  const lines = [
    `Non-streaming, ${CONNECTIONS} connections, ${SECONDS} s each (autocannon; its latencies are whole ms). CPU/request is the target server process's own (the mock's for direct), measured with process.cpuUsage():`,
    '',
    '| target | req/s | p50 ms | p99 ms | server CPU µs/request | failed |',
    '|---|---|---|---|---|---|',
    ...(['direct', 'passthrough', 'proxy'] as const).map(
      (n) => `| ${n} | ${Math.round(loop[n].requestsPerSecond)} | ${loop[n].p50Ms} | ${loop[n].p99Ms} | ${Math.round(loop[n].cpuUsPerRequest)} | ${loop[n].failed} |`,
    ),
    '',
    `Fixed ${RATE} req/s, ${SECONDS} s each (undici open loop):`,
    '',
    '| target | p50 ms | p99 ms | added p50 ms | added p99 ms | failed |',
    '|---|---|---|---|---|---|',
    `| direct | ${fmt(d.p50)} | ${fmt(d.p99)} | – | – | ${d.failed} |`,
    `| passthrough | ${fmt(t.p50)} | ${fmt(t.p99)} | ${fmt(t.p50 - d.p50)} | ${fmt(t.p99 - d.p99)} | ${t.failed} |`,
    `| proxy | ${fmt(p.p50)} | ${fmt(p.p99)} | ${fmt(p.p50 - d.p50)} | ${fmt(p.p99 - d.p99)} | ${p.failed} |`,
    '',
    `Streaming, ${STREAM_RATE} req/s (p50):`,
    '',
    '| target | headers ms | first event ms | added headers ms | added first event ms | failed |',
    '|---|---|---|---|---|---|',
    `| direct | ${fmt(sd.headers)} | ${fmt(sd.first)} | – | – | ${sd.failed} |`,
    `| passthrough | ${fmt(st.headers)} | ${fmt(st.first)} | ${fmt(st.headers - sd.headers)} | ${fmt(st.first - sd.first)} | ${st.failed} |`,
    `| proxy | ${fmt(sp.headers)} | ${fmt(sp.first)} | ${fmt(sp.headers - sd.headers)} | ${fmt(sp.first - sd.first)} | ${sp.failed} |`,
    '',
    'Targets:',
    '',
    `- proxy throughput ≥ ${TARGETS.MIN_THROUGHPUT_SHARE * 100}% of the pass-through: ${(share * 100).toFixed(0)}% — ${mark(share >= TARGETS.MIN_THROUGHPUT_SHARE)}`,
    `- added latency at ${RATE} req/s p50 < ${TARGETS.MAX_ADDED_P50_MS} ms: ${fmt(p.p50 - d.p50)} — ${mark(p.p50 - d.p50 < TARGETS.MAX_ADDED_P50_MS)}`,
    `- added latency at ${RATE} req/s p99 < ${TARGETS.MAX_ADDED_P99_MS} ms: ${fmt(p.p99 - d.p99)} — ${mark(p.p99 - d.p99 < TARGETS.MAX_ADDED_P99_MS)}`,
    `- added time to first byte p50 < ${TARGETS.MAX_ADDED_TTFB_P50_MS} ms: ${fmt(sp.headers - sd.headers)} — ${mark(sp.headers - sd.headers < TARGETS.MAX_ADDED_TTFB_P50_MS)}`,
  ];
  return lines.join('\n');
}

export default bench;
