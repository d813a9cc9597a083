/**
 * Profiling aid: the proxy of this checkout against the proxy of another checkout ("before"), both
 * against the minimal pass-through, in one run on one mock, one database and one Redis prefix:
 *
 *   npx tsx --conditions=@byok/source bench/support/compare-proxies.ts <before checkout> [seconds] [rounds]
 *
 * The before checkout needs its own `node_modules` (e.g. `git archive <commit> | tar -x -C /tmp/x`
 * and a copy of `node_modules`, whose workspace links are relative). Each round runs the three
 * targets for `seconds` at 50 connections, closed loop, in an order that alternates between
 * rounds (pass-through first, then before/after, then after/before), so a drift in the machine's
 * load falls on both proxies alike. It prints each server's CPU µs per request, split into user
 * and system time, and the medians of each proxy's CPU per request and req/s relative to the
 * pass-through's in the same round: on a shared machine only those ratios mean anything.
 */
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { type Child, startChild } from './child-process.js';
import { closedLoop, type HttpTarget, quantile } from './proxy-load.js';
import { startBenchServers } from './proxy-bench-servers.js';

const CONNECTIONS = 50;
const [beforeArg, secondsArg, roundsArg] = process.argv.slice(2);
if (beforeArg === undefined) throw new Error('usage: compare-proxies.ts <before checkout> [seconds] [rounds]');
const beforeDir = resolve(beforeArg);
const seconds = Number(secondsArg ?? 10);
const rounds = Number(roundsArg ?? 3);

type Name = 'passthrough' | 'before' | 'after';
interface Measured {
  requestsPerSecond: number;
  userUs: number;
  systemUs: number;
  failed: number;
}

const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
console.log(`node ${process.version}, load average at start ${load()}; before = ${beforeDir}`);
const servers = await startBenchServers();
const before = await startChild<{ url: string }>('bench/support/serve-proxy.ts', servers.proxyEnv, [], beforeDir);
try {
  const targets: Record<Name, { target: HttpTarget; server: Child<unknown> }> = {
    passthrough: { target: servers.plain.passthrough, server: servers.servers.passthrough },
    before: { target: { ...servers.plain.proxy, origin: before.info.url }, server: before },
    after: { target: servers.plain.proxy, server: servers.servers.proxy },
  };
  const measure = async (name: Name, secondsToRun: number): Promise<Measured> => {
    const { server, target } = targets[name];
    const start = await server.cpuSplitMs();
    const result = await closedLoop(target, CONNECTIONS, secondsToRun);
    const end = await server.cpuSplitMs();
    const perRequestUs = (ms: number) => (ms * 1000) / Math.max(1, result.total);
    return { requestsPerSecond: result.requestsPerSecond, userUs: perRequestUs(end.userMs - start.userMs), systemUs: perRequestUs(end.systemMs - start.systemMs), failed: result.failed };
  };
  // Warm-up: JIT tiers, pools, the route and token caches of both proxies.
  for (const name of ['passthrough', 'before', 'after'] as const) await measure(name, Math.max(3, seconds / 2));

  const results: Array<Record<Name, Measured>> = [];
  for (let round = 0; round < rounds; round++) {
    const order: Name[] = round % 2 === 0 ? ['passthrough', 'before', 'after'] : ['passthrough', 'after', 'before'];
    const measured: Partial<Record<Name, Measured>> = {};
    for (const name of order) measured[name] = await measure(name, seconds);
    const r = measured as Record<Name, Measured>;
    results.push(r);
    const line = (name: Name) => {
      const m = r[name];
      const cpu = m.userUs + m.systemUs;
      const share = name === 'passthrough' ? '' : `, ${((100 * m.requestsPerSecond) / r.passthrough.requestsPerSecond).toFixed(0)} % of its req/s, CPU ×${(cpu / (r.passthrough.userUs + r.passthrough.systemUs)).toFixed(2)}`;
      return `${name} ${Math.round(m.requestsPerSecond)} req/s, CPU ${Math.round(cpu)} µs/req (user ${Math.round(m.userUs)}, sys ${Math.round(m.systemUs)})${share}${m.failed > 0 ? `, FAILED ${m.failed}` : ''}`;
    };
    console.log(`round ${round + 1} (load ${load()}): ${order.map(line).join('; ')}`);
  }
  const median = (f: (r: Record<Name, Measured>) => number) => quantile(results.map(f), 0.5).toFixed(2);
  const cpu = (m: Measured) => m.userUs + m.systemUs;
  for (const name of ['before', 'after'] as const) {
    console.log(
      `${name}: median CPU ×${median((r) => cpu(r[name]) / cpu(r.passthrough))} of the pass-through's (user ×${median((r) => r[name].userUs / r.passthrough.userUs)}), ` +
        `median CPU ${median((r) => cpu(r[name]))} µs/req, median req/s share ${median((r) => r[name].requestsPerSecond / r.passthrough.requestsPerSecond)}`,
    );
  }
  console.log(`after / before, median of rounds: CPU ×${median((r) => cpu(r.after) / cpu(r.before))}, user ×${median((r) => r.after.userUs / r.before.userUs)}, req/s ×${median((r) => r.after.requestsPerSecond / r.before.requestsPerSecond)}; load average at end ${load()}`);
} finally {
  await before.stop();
  await servers.close();
}
process.exit(0);
