/**
 * The proxy's headline figure, in one run against the mock provider on loopback:
 * (a) straight to the mock, (b) through a minimal Fastify + undici pass-through (the yardstick,
 * `support/minimal-passthrough.ts`), (c) through the real proxy for a BYOK user whose route is
 * cached (gateway token, Postgres, Redis, usage events and all). Every server runs in its own
 * child process (`support/proxy-bench-servers.ts`); only the load generators run here.
 *
 * - Throughput: 50 connections, closed loop, 10 s per target (autocannon), in `BENCH_PROXY_ROUNDS`
 *   interleaved rounds (default 3) so that a change in the machine's load hits all three alike;
 *   the proxy's share of the pass-through is the median of the per-round shares. Each round also
 *   reports the server processes' own CPU per request (process.cpuUsage over IPC) and the Redis
 *   server's (INFO cpu; the server is shared with whatever else runs).
 * - Added latency: a fixed 1,000 req/s for 10 s per target, open loop (undici, µs resolution).
 * - Streaming: time to the response headers (first byte) and to the first event at 100 req/s.
 * - Back to back: 500 requests one after the other on one connection, plain and streaming — the
 *   added latency with nothing queued in front, which a busy shared machine otherwise hides.
 *
 * `BENCH_PROXY_CPU_PROF=<dir>` runs the proxy under `--cpu-prof`; `BENCH_PROXY_SECONDS` shortens
 * every phase for a quick look; `BENCH_PROXY_NO_USAGE=1` drops usage events instead of queueing
 * them (to show what one BullMQ job per request costs).
 */
import { testServiceUrls } from '../test/support/services.js';
import { startBenchServers, TARGET_NAMES, type BenchServers, type TargetName } from './support/proxy-bench-servers.js';
import { closedLoop, fixedRate, quantile, sequential, type LatencySample, type ThroughputResult } from './support/proxy-load.js';
import { redisCpuMs } from './support/redis-cpu.js';
import type { Benchmark } from './run.js';

const SECONDS = Number(process.env.BENCH_PROXY_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_PROXY_ROUNDS ?? 3);
const CONNECTIONS = 50;
const RATE = 1000;
const STREAM_RATE = 100;
const SEQUENTIAL_COUNT = 500;
const TARGETS = { MIN_THROUGHPUT_SHARE: 0.6, MAX_ADDED_P50_MS: 2, MAX_ADDED_P99_MS: 5, MAX_ADDED_TTFB_P50_MS: 1 };

interface LoopResult extends ThroughputResult {
  serverCpuUsPerRequest: number;
  mockCpuUsPerRequest: number;
  redisCpuUsPerRequest: number;
}

interface RatedResult {
  p50: number;
  p99: number;
  failed: number;
}

interface StreamResult {
  headers: number;
  first: number;
  failed: number;
}

const fmt = (ms: number) => ms.toFixed(2);
const mark = (ok: boolean) => (ok ? 'met' : '**not met**');
const median = (values: number[]) => quantile(values, 0.5);

async function loop(s: BenchServers, name: TargetName): Promise<LoopResult> {
  const redisUrl = testServiceUrls().redisUrl;
  const server = s.servers[name];
  const mock = s.servers.direct;
  const [serverBefore, mockBefore, redisBefore] = [await server.cpuMs(), await mock.cpuMs(), await redisCpuMs(redisUrl)];
  const result = await closedLoop(s.plain[name], CONNECTIONS, SECONDS);
  const [serverAfter, mockAfter, redisAfter] = [await server.cpuMs(), await mock.cpuMs(), await redisCpuMs(redisUrl)];
  const per = (ms: number) => (ms * 1000) / Math.max(1, result.total);
  return {
    ...result,
    serverCpuUsPerRequest: per(serverAfter - serverBefore),
    mockCpuUsPerRequest: name === 'direct' ? per(serverAfter - serverBefore) : per(mockAfter - mockBefore),
    redisCpuUsPerRequest: per(redisAfter - redisBefore),
  };
}

const bench: Benchmark = {
  title: 'Proxy: throughput, added latency and time to first byte, against a minimal pass-through',
  async run() {
    const profileDir = process.env.BENCH_PROXY_CPU_PROF;
    const s = await startBenchServers({
      proxyNodeArgs: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
      proxyEnv: process.env.BENCH_PROXY_NO_USAGE === '1' ? { BENCH_PROXY_NO_USAGE: '1' } : {},
    });
    try {
      // Warm-up, as long as a measurement: JIT tiers, connection pools, the proxy's caches. The
      // proxy has more code to optimise; after 2–3 s it still ran at about half its steady rate.
      for (const name of TARGET_NAMES) await closedLoop(s.plain[name], CONNECTIONS, SECONDS);
      const rounds: Array<Record<TargetName, LoopResult>> = [];
      for (let round = 0; round < ROUNDS; round++) {
        const results: Partial<Record<TargetName, LoopResult>> = {};
        for (const name of TARGET_NAMES) results[name] = await loop(s, name);
        rounds.push(results as Record<TargetName, LoopResult>);
      }

      const rated: Partial<Record<TargetName, RatedResult>> = {};
      for (const name of TARGET_NAMES) {
        await fixedRate(s.plain[name], RATE, Math.min(2, SECONDS));
        const sample = await fixedRate(s.plain[name], RATE, SECONDS);
        rated[name] = { p50: quantile(sample.totalMs, 0.5), p99: quantile(sample.totalMs, 0.99), failed: sample.failed };
      }
      const streamed: Partial<Record<TargetName, StreamResult>> = {};
      for (const name of TARGET_NAMES) {
        await fixedRate(s.streaming[name], STREAM_RATE, Math.min(2, SECONDS), { stream: true });
        const sample = await fixedRate(s.streaming[name], STREAM_RATE, Math.max(5, SECONDS / 2), { stream: true });
        streamed[name] = { headers: quantile(sample.totalMs, 0.5), first: quantile(sample.firstEventMs, 0.5), failed: sample.failed };
      }
      const back: Partial<Record<TargetName, { plain: LatencySample; stream: LatencySample }>> = {};
      for (const name of TARGET_NAMES) {
        await sequential(s.plain[name], 50);
        back[name] = { plain: await sequential(s.plain[name], SEQUENTIAL_COUNT), stream: await sequential(s.streaming[name], SEQUENTIAL_COUNT, { stream: true }) };
      }
      return report(rounds, rated as Record<TargetName, RatedResult>, streamed as Record<TargetName, StreamResult>, back as Record<TargetName, { plain: LatencySample; stream: LatencySample }>);
    } finally {
      await s.close();
    }
  },
};

function report(
  rounds: Array<Record<TargetName, LoopResult>>,
  rated: Record<TargetName, RatedResult>,
  streamed: Record<TargetName, StreamResult>,
  back: Record<TargetName, { plain: LatencySample; stream: LatencySample }>,
): string {
  const q = (values: number[], p: number) => quantile(values, p);
  const bd = back.direct;
  const shares = rounds.map((r) => r.proxy.requestsPerSecond / r.passthrough.requestsPerSecond);
  const share = median(shares);
  const d = rated.direct;
  const p = rated.proxy;
  const t = rated.passthrough;
  const sd = streamed.direct;
  const sp = streamed.proxy;
  const st = streamed.passthrough;
  const lines = [
    `Non-streaming, ${CONNECTIONS} connections, ${SECONDS} s per target, ${rounds.length} interleaved rounds (autocannon; its latencies are whole ms). CPU µs/request: the target's own server process, the mock, and the (shared) Redis server:`,
    '',
    '| round | target | req/s | p50 ms | p99 ms | server CPU µs/req | mock CPU µs/req | Redis CPU µs/req | failed |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rounds.flatMap((r, i) =>
      TARGET_NAMES.map(
        (n) =>
          `| ${i + 1} | ${n} | ${Math.round(r[n].requestsPerSecond)} | ${r[n].p50Ms} | ${r[n].p99Ms} | ${Math.round(r[n].serverCpuUsPerRequest)} | ${Math.round(r[n].mockCpuUsPerRequest)} | ${Math.round(r[n].redisCpuUsPerRequest)} | ${r[n].failed} |`,
      ),
    ),
    '',
    `Proxy req/s as a share of the pass-through's, per round: ${shares.map((x) => `${(x * 100).toFixed(0)}%`).join(', ')} (median ${(share * 100).toFixed(0)}%).`,
    '',
    `Fixed ${RATE} req/s, ${SECONDS} s per target (undici open loop, time to the whole response):`,
    '',
    '| target | p50 ms | p99 ms | added p50 ms | added p99 ms | failed |',
    '|---|---|---|---|---|---|',
    `| direct | ${fmt(d.p50)} | ${fmt(d.p99)} | – | – | ${d.failed} |`,
    `| passthrough | ${fmt(t.p50)} | ${fmt(t.p99)} | ${fmt(t.p50 - d.p50)} | ${fmt(t.p99 - d.p99)} | ${t.failed} |`,
    `| proxy | ${fmt(p.p50)} | ${fmt(p.p99)} | ${fmt(p.p50 - d.p50)} | ${fmt(p.p99 - d.p99)} | ${p.failed} |`,
    '',
    `Streaming at ${STREAM_RATE} req/s, p50 (first byte = the response headers; first event = the first SSE event):`,
    '',
    '| target | first byte ms | first event ms | added first byte ms | added first event ms | failed |',
    '|---|---|---|---|---|---|',
    `| direct | ${fmt(sd.headers)} | ${fmt(sd.first)} | – | – | ${sd.failed} |`,
    `| passthrough | ${fmt(st.headers)} | ${fmt(st.first)} | ${fmt(st.headers - sd.headers)} | ${fmt(st.first - sd.first)} | ${st.failed} |`,
    `| proxy | ${fmt(sp.headers)} | ${fmt(sp.first)} | ${fmt(sp.headers - sd.headers)} | ${fmt(sp.first - sd.first)} | ${sp.failed} |`,
    '',
    `Back to back, ${SEQUENTIAL_COUNT} requests on one connection (nothing queued in front):`,
    '',
    '| target | plain p50 ms | plain p99 ms | added plain p50 ms | stream first byte p50 ms | added first byte p50 ms | first event p50 ms | added first event p50 ms |',
    '|---|---|---|---|---|---|---|---|',
    ...TARGET_NAMES.map((n) => {
      const b = back[n];
      const added = (x: number, y: number) => (n === 'direct' ? '–' : fmt(x - y));
      return `| ${n} | ${fmt(q(b.plain.totalMs, 0.5))} | ${fmt(q(b.plain.totalMs, 0.99))} | ${added(q(b.plain.totalMs, 0.5), q(bd.plain.totalMs, 0.5))} | ${fmt(q(b.stream.totalMs, 0.5))} | ${added(q(b.stream.totalMs, 0.5), q(bd.stream.totalMs, 0.5))} | ${fmt(q(b.stream.firstEventMs, 0.5))} | ${added(q(b.stream.firstEventMs, 0.5), q(bd.stream.firstEventMs, 0.5))} |`;
    }),
    '',
    'Targets:',
    '',
    `- proxy throughput ≥ ${TARGETS.MIN_THROUGHPUT_SHARE * 100}% of the pass-through's: ${(share * 100).toFixed(0)}% — ${mark(share >= TARGETS.MIN_THROUGHPUT_SHARE)}`,
    `- added latency at ${RATE} req/s, p50 < ${TARGETS.MAX_ADDED_P50_MS} ms: ${fmt(p.p50 - d.p50)} — ${mark(p.p50 - d.p50 < TARGETS.MAX_ADDED_P50_MS)}`,
    `- added latency at ${RATE} req/s, p99 < ${TARGETS.MAX_ADDED_P99_MS} ms: ${fmt(p.p99 - d.p99)} — ${mark(p.p99 - d.p99 < TARGETS.MAX_ADDED_P99_MS)}`,
    `- added time to first byte (streaming), p50 < ${TARGETS.MAX_ADDED_TTFB_P50_MS} ms: ${fmt(sp.headers - sd.headers)} — ${mark(sp.headers - sd.headers < TARGETS.MAX_ADDED_TTFB_P50_MS)}`,
  ];
  return lines.join('\n');
}

export default bench;
