/**
 * The gateway's process shapes (#15), against the minimal pass-through in the same run, on the
 * real entry files: `npm start`'s standalone (one HTTP worker, the worker and usage consumer in
 * its background process), the proxy process with PROXY_WORKERS=1 (a single process) and with
 * PROXY_WORKERS=2 (a cluster primary and two workers). Same mock, user, token and load as
 * `proxy.bench.ts` (50 connections, closed loop, `BENCH_PROXY_SECONDS` per target, interleaved
 * `BENCH_PROXY_ROUNDS`).
 *
 * - req/s and its share of the pass-through's (median over rounds); targets: the standalone's proxy
 *   at least 85 %, the proxy process at least 90 %.
 * - CPU µs per request of the target's whole process tree (primary and workers, /proc), so 1 and 2
 *   workers compare on cost: on two cores the load generator and the mock compete with the
 *   workers, and req/s alone understates what a second core gives.
 * - Usage events: every successful proxied request of the run must end up in Postgres (stored by
 *   the standalone's background usage consumer, which drains the one queue all three share).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/support/free-port.js';
import { cpuSpentMs, descendantRunning, snapshotCpu } from './support/cpu-accounting.js';
import { type EntryProcess, startEntryProcess } from './support/entry-process.js';
import { processTreeCpuMs } from './support/process-tree-cpu.js';
import { startBenchServers } from './support/proxy-bench-servers.js';
import { closedLoop, type HttpTarget, quantile } from './support/proxy-load.js';
import type { Benchmark } from './run.js';

const SECONDS = Number(process.env.BENCH_PROXY_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_PROXY_ROUNDS ?? 3);
const CONNECTIONS = 50;
const TARGETS = { STANDALONE_SHARE: 0.85, PROXY_SHARE: 0.9 };
/** How long the usage consumer gets to store the run's events before the count is taken. */
const USAGE_DRAIN_MS = 60_000;

type Name = 'passthrough' | 'standalone' | 'proxy ×1' | 'proxy ×2';
const NAMES: readonly Name[] = ['passthrough', 'standalone', 'proxy ×1', 'proxy ×2'];

interface Measured {
  requestsPerSecond: number;
  p99Ms: number;
  cpuUsPerRequest: number;
  ok: number;
  failed: number;
  /** CPU µs per request of every group of processes on the machine (see `GROUPS`). */
  machineUsPerRequest: Record<string, number>;
}

/**
 * Where the machine's CPU goes during a target's window. The standalone's background process is
 * the one usage consumer: it drains every target's usage events, so it is its own group (and the
 * standalone's row in it is its HTTP worker and primary only).
 */
const GROUPS = ['target', 'usage consumer', 'postgres', 'redis', 'mock', 'load generator', 'other', 'machine'] as const;

const bench: Benchmark = {
  title: 'Process shapes: the standalone and 1 or 2 proxy workers, against the minimal pass-through',
  async run() {
    const s = await startBenchServers();
    const dataDir = mkdtempSync(join(tmpdir(), 'byok-bench-processes-'));
    const entries: EntryProcess[] = [];
    try {
      const gateway = async (entry: string, portVariable: 'PORT' | 'PROXY_PORT', env: Record<string, string>) => {
        const port = await freePort();
        const started = await startEntryProcess(entry, { PATH: process.env.PATH ?? '', ...s.proxyEnv, HOST: '127.0.0.1', BYOK_DATA_DIR: dataDir, [portVariable]: String(port), ...env }, `http://127.0.0.1:${port}/healthz`);
        entries.push(started);
        return { started, target: { ...s.plain.proxy, origin: `http://127.0.0.1:${port}` } satisfies HttpTarget };
      };
      const standalone = await gateway('apps/standalone/src/main.ts', 'PORT', { PROXY_WORKERS: '1', API_WORKERS: '1' });
      const single = await gateway('apps/proxy/src/main.ts', 'PROXY_PORT', { PROXY_WORKERS: '1' });
      const double = await gateway('apps/proxy/src/main.ts', 'PROXY_PORT', { PROXY_WORKERS: '2' });
      const targets: Record<Name, { target: HttpTarget; cpuMs: () => Promise<number> }> = {
        passthrough: { target: s.plain.passthrough, cpuMs: () => s.servers.passthrough.cpuMs() },
        standalone: { target: standalone.target, cpuMs: async () => processTreeCpuMs(standalone.started.process.pid ?? -1) },
        'proxy ×1': { target: single.target, cpuMs: async () => processTreeCpuMs(single.started.process.pid ?? -1) },
        'proxy ×2': { target: double.target, cpuMs: async () => processTreeCpuMs(double.started.process.pid ?? -1) },
      };

      const pidOf = (child: { pid?: number | undefined }) => child.pid ?? -1;
      const rootsOf: Record<Name, number> = {
        passthrough: pidOf(s.servers.passthrough.process),
        standalone: pidOf(standalone.started.process),
        'proxy ×1': pidOf(single.started.process),
        'proxy ×2': pidOf(double.started.process),
      };
      const background = descendantRunning(rootsOf.standalone, 'background.main');
      if (background === undefined) throw new Error("the standalone's background process was not found");
      const roots = (name: Name) => ({
        ...Object.fromEntries(NAMES.filter((n) => n !== name).map((n) => [`idle ${n}`, rootsOf[n]])),
        target: rootsOf[name],
        'usage consumer': background,
        mock: pidOf(s.servers.direct.process),
        'load generator': process.pid,
        // The proxy of `proxy.bench.ts` that startBenchServers also starts; idle here.
        other: pidOf(s.servers.proxy.process),
      });

      let proxiedOk = 0;
      const measure = async (name: Name): Promise<Measured> => {
        const before = await targets[name].cpuMs();
        const machineBefore = snapshotCpu(roots(name));
        const result = await closedLoop(targets[name].target, CONNECTIONS, SECONDS);
        const machineSpent = cpuSpentMs(machineBefore, snapshotCpu(roots(name)));
        const cpuMs = (await targets[name].cpuMs()) - before;
        const ok = result.total - result.failed;
        if (name !== 'passthrough') proxiedOk += ok;
        const perRequest = (ms: number) => (ms * 1000) / Math.max(1, result.total);
        const idle = Object.entries(machineSpent).filter(([group]) => group.startsWith('idle ')).reduce((sum, [, ms]) => sum + ms, 0);
        const machineUsPerRequest = Object.fromEntries(GROUPS.map((group) => [group, perRequest((machineSpent[group] ?? 0) + (group === 'other' ? idle : 0))]));
        return { requestsPerSecond: result.requestsPerSecond, p99Ms: result.p99Ms, cpuUsPerRequest: perRequest(cpuMs), ok, failed: result.failed, machineUsPerRequest };
      };
      // Warm-up, as long as a measurement (JIT tiers, pools, the route and token caches).
      for (const name of NAMES) await measure(name);
      const rounds: Array<Record<Name, Measured>> = [];
      for (let round = 0; round < ROUNDS; round++) {
        const results: Partial<Record<Name, Measured>> = {};
        for (const name of NAMES) results[name] = await measure(name);
        rounds.push(results as Record<Name, Measured>);
      }
      const stored = await waitForStoredEvents(s.usageEventsStored, proxiedOk);
      return report(rounds, proxiedOk, stored);
    } finally {
      for (const entry of entries.reverse()) await entry.stop();
      rmSync(dataDir, { recursive: true, force: true });
      await s.close();
    }
  },
};

/** Requests still in flight when autocannon stops are served too, so more may be stored than counted. */
async function waitForStoredEvents(count: () => Promise<number>, expected: number): Promise<number> {
  const deadline = Date.now() + USAGE_DRAIN_MS;
  for (;;) {
    const stored = await count();
    if (stored >= expected || Date.now() > deadline) return stored;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function report(rounds: Array<Record<Name, Measured>>, proxiedOk: number, stored: number): string {
  const median = (values: number[]) => quantile(values, 0.5);
  const share = (name: Name) => median(rounds.map((r) => r[name].requestsPerSecond / r.passthrough.requestsPerSecond));
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
  const mark = (ok: boolean) => (ok ? 'met' : '**not met**');
  const lost = Math.max(0, proxiedOk - stored);
  return [
    `Non-streaming, ${CONNECTIONS} connections, ${SECONDS} s per target, ${rounds.length} interleaved rounds after one warm-up round (autocannon). CPU: the target's whole process tree (primary and workers):`,
    '',
    '| round | target | req/s | share of pass-through | p99 ms | CPU µs/req | failed |',
    '|---|---|---|---|---|---|---|',
    ...rounds.flatMap((r, i) =>
      NAMES.map((n) => `| ${i + 1} | ${n} | ${Math.round(r[n].requestsPerSecond)} | ${pct(r[n].requestsPerSecond / r.passthrough.requestsPerSecond)} | ${r[n].p99Ms} | ${Math.round(r[n].cpuUsPerRequest)} | ${r[n].failed} |`),
    ),
    '',
    '| target | median share | median CPU µs/req | median req/s |',
    '|---|---|---|---|',
    ...NAMES.map((n) => `| ${n} | ${pct(share(n))} | ${Math.round(median(rounds.map((r) => r[n].cpuUsPerRequest)))} | ${Math.round(median(rounds.map((r) => r[n].requestsPerSecond)))} |`),
    '',
    "Where the machine's CPU went in each target's window, µs per request (median over rounds; `target` is the target's own processes, for the standalone without its background process, which is the `usage consumer` of every target; `other` includes the idle targets; `machine` is all cores' busy time from /proc/stat):",
    '',
    `| target | ${GROUPS.join(' | ')} |`,
    `|---|${GROUPS.map(() => '---').join('|')}|`,
    ...NAMES.map((n) => `| ${n} | ${GROUPS.map((group) => Math.round(median(rounds.map((r) => r[n].machineUsPerRequest[group] ?? 0)))).join(' | ')} |`),
    '',
    `Usage events: ${proxiedOk} successful proxied requests counted by the load generator, ${stored} events stored in Postgres (lost: ${lost}).`,
    '',
    'Targets:',
    '',
    `- the standalone's proxy ≥ ${pct(TARGETS.STANDALONE_SHARE)} of the pass-through's req/s: ${pct(share('standalone'))} — ${mark(share('standalone') >= TARGETS.STANDALONE_SHARE)}`,
    `- the proxy process (1 worker) ≥ ${pct(TARGETS.PROXY_SHARE)}: ${pct(share('proxy ×1'))} — ${mark(share('proxy ×1') >= TARGETS.PROXY_SHARE)}`,
    `- no usage event lost: ${mark(lost === 0)}`,
  ].join('\n');
}

export default bench;
