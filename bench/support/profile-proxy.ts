/**
 * Profiling aid for the proxy's hot path: `npx tsx --conditions=@byok/source bench/support/profile-proxy.ts [seconds] [target]`
 * [rounds] runs a 50-connection closed loop against one target (default: all three in turn, `rounds` times) and prints
 * req/s and each server's CPU µs per request. With `PROFILE_DIR=<dir>` the proxy runs under
 * `node --cpu-prof` (the pass-through, when it is the only target) and writes its profile there when it stops.
 * `BENCH_PROXY_NO_USAGE=1` runs the proxy with usage events dropped instead of queued.
 */
import { testServiceUrls } from '../../test/support/services.js';
import { closedLoop } from './proxy-load.js';
import { redisCpuMs } from './redis-cpu.js';
import { startBenchServers, TARGET_NAMES, type TargetName } from './proxy-bench-servers.js';

const seconds = Number(process.argv[2] ?? 10);
const only = process.argv[3] as TargetName | undefined;
const rounds = Number(process.argv[4] ?? 1);
const profileDir = process.env.PROFILE_DIR;
const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
// PROFILE_DIR profiles the proxy, or the pass-through when the only target is `passthrough`.
const proxyEnv: Record<string, string> = process.env.BENCH_PROXY_NO_USAGE === '1' ? { BENCH_PROXY_NO_USAGE: '1' } : {};
const servers = await startBenchServers(only === 'passthrough' ? { passthroughNodeArgs: profile, proxyEnv } : { proxyNodeArgs: profile, proxyEnv });
try {
  const order = Array.from({ length: rounds }, () => (only ? [only] : TARGET_NAMES)).flat();
  for (const name of order) {
    await closedLoop(servers.plain[name], 50, 2);
    const cpu = await Promise.all(TARGET_NAMES.map((n) => servers.servers[n].cpuMs()));
    const redisBefore = await redisCpuMs(testServiceUrls().redisUrl);
    const result = await closedLoop(servers.plain[name], 50, seconds);
    const redisAfter = await redisCpuMs(testServiceUrls().redisUrl);
    const after = await Promise.all(TARGET_NAMES.map((n) => servers.servers[n].cpuMs()));
    const perRequest = TARGET_NAMES.map((n, i) => `${n} ${Math.round((((after[i] ?? 0) - (cpu[i] ?? 0)) * 1000) / Math.max(1, result.total))} µs`);
    perRequest.push(`redis ${Math.round(((redisAfter - redisBefore) * 1000) / Math.max(1, result.total))} µs (shared server)`);
    console.log(`${name}: ${Math.round(result.requestsPerSecond)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, failed ${result.failed}; CPU per request: ${perRequest.join(', ')}`);
  }
} finally {
  await servers.close();
}
process.exit(0);
