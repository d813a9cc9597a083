/**
 * Issue #17: "benchmark that the proxy's throughput share is unchanged for a member using an org
 * key". In one run, against the mock provider on loopback: the minimal pass-through (the
 * yardstick), the proxy for a user with their own key, and the proxy for a member whose gateway
 * token acts for an organization (`member_keys: forbid`, served by the org's key). Same servers as
 * `proxy.bench.ts` (`support/proxy-bench-servers.ts`); the three targets are measured in
 * `BENCH_PROXY_ROUNDS` interleaved rounds (default 3) of `BENCH_PROXY_SECONDS` (default 10 s) at
 * 50 connections, closed loop, after a warm-up of each. The figures are the medians of the
 * per-round shares of the pass-through, and the org member's rate relative to the user's.
 */
import { startBenchServers } from './support/proxy-bench-servers.js';
import { closedLoop, type HttpTarget, quantile, type ThroughputResult } from './support/proxy-load.js';
import type { Benchmark } from './run.js';

const SECONDS = Number(process.env.BENCH_PROXY_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_PROXY_ROUNDS ?? 3);
const CONNECTIONS = 50;
/** "Unchanged": the org member's rate within this fraction of the user's, in the same run. */
const MAX_ORG_SLOWDOWN = 0.05;

const TARGETS = ['passthrough', 'own key', 'org key'] as const;
type Target = (typeof TARGETS)[number];

const bench: Benchmark = {
  title: 'Org routing: throughput share of the pass-through for a member using an org key vs a user using their own key',
  async run() {
    const s = await startBenchServers();
    try {
      const targets: Record<Target, HttpTarget> = { passthrough: s.plain.passthrough, 'own key': s.plain.proxy, 'org key': s.orgMember.plain };
      for (const name of TARGETS) await closedLoop(targets[name], CONNECTIONS, SECONDS);
      const rounds: Array<Record<Target, ThroughputResult>> = [];
      for (let round = 0; round < ROUNDS; round++) {
        const results: Partial<Record<Target, ThroughputResult>> = {};
        for (const name of TARGETS) results[name] = await closedLoop(targets[name], CONNECTIONS, SECONDS);
        rounds.push(results as Record<Target, ThroughputResult>);
      }
      return report(rounds);
    } finally {
      await s.close();
    }
  },
};

function report(rounds: Array<Record<Target, ThroughputResult>>): string {
  const median = (values: number[]) => quantile(values, 0.5);
  const ownShare = median(rounds.map((r) => r['own key'].requestsPerSecond / r.passthrough.requestsPerSecond));
  const orgShare = median(rounds.map((r) => r['org key'].requestsPerSecond / r.passthrough.requestsPerSecond));
  const orgVsOwn = median(rounds.map((r) => r['org key'].requestsPerSecond / r['own key'].requestsPerSecond));
  const ok = orgVsOwn >= 1 - MAX_ORG_SLOWDOWN;
  return [
    `Non-streaming, ${CONNECTIONS} connections, ${SECONDS} s per target, ${rounds.length} interleaved rounds:`,
    '',
    '| round | target | req/s | p50 ms | p99 ms | failed |',
    '|---|---|---|---|---|---|',
    ...rounds.flatMap((r, i) => TARGETS.map((n) => `| ${i + 1} | ${n} | ${r[n].requestsPerSecond.toFixed(0)} | ${r[n].p50Ms} | ${r[n].p99Ms} | ${r[n].failed} |`)),
    '',
    `- Share of the pass-through, user with their own key: **${(ownShare * 100).toFixed(1)} %**`,
    `- Share of the pass-through, member using the org's key: **${(orgShare * 100).toFixed(1)} %**`,
    `- Org member's rate / own-key user's rate (median of rounds): **${orgVsOwn.toFixed(3)}** — target ≥ ${(1 - MAX_ORG_SLOWDOWN).toFixed(2)}: ${ok ? 'met' : '**not met**'}`,
  ].join('\n');
}

export default bench;
