/**
 * Load generators of the proxy benchmark, run in the benchmark's own process (the servers run in
 * child processes): a closed loop with autocannon for throughput, and an open loop with undici at a
 * fixed rate for latency with microsecond resolution (autocannon's histogram keeps whole
 * milliseconds, too coarse for "added latency < 2 ms").
 */
import { createRequire } from 'node:module';
import { Pool } from 'undici';

export interface HttpTarget {
  /** Origin, e.g. `http://127.0.0.1:41234`. */
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export interface ThroughputResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  total: number;
  failed: number;
}

/** As many requests as `connections` keep-alive connections can carry for `seconds`. */
export async function closedLoop(target: HttpTarget, connections: number, seconds: number): Promise<ThroughputResult> {
  const result = await autocannon({
    url: `${target.origin}${target.path}`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body: target.body,
    connections,
    duration: seconds,
  });
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    total: result.requests.total,
    failed: result.errors + result.timeouts + result.non2xx,
  };
}

export interface LatencySample {
  /** Time to the whole response (non-streaming) or to the response headers (streaming), ms. */
  totalMs: number[];
  /**
   * Streaming only: time to the first complete SSE event (its blank line), ms. A partial event is
   * not counted: the mock splits events across writes, and a proxy that parses events can only
   * pass on whole ones.
   */
  firstEventMs: number[];
  failed: number;
}

/**
 * An open loop: a request every 1/rate seconds whatever the answers do, for `seconds`. Each
 * request's clock starts when it is handed to undici. With `stream`, only the time to the headers
 * and to the first body chunk are taken; the rest of the body is drained.
 */
export async function fixedRate(target: HttpTarget, rate: number, seconds: number, options: { stream?: boolean } = {}): Promise<LatencySample> {
  const pool = new Pool(target.origin, { connections: 512, pipelining: 1, keepAliveTimeout: 30_000 });
  const headers = { 'content-type': 'application/json', ...target.headers };
  const sample: LatencySample = { totalMs: [], firstEventMs: [], failed: 0 };
  const total = Math.round(rate * seconds);
  const intervalMs = 1000 / rate;
  const inFlight: Promise<void>[] = [];

  async function one(): Promise<void> {
    try {
      const timing = await timedRequest(pool, target, headers, options.stream === true);
      sample.totalMs.push(timing.totalMs);
      if (timing.firstEventMs !== undefined) sample.firstEventMs.push(timing.firstEventMs);
      if (timing.status !== 200) sample.failed++;
    } catch {
      sample.failed++;
    }
  }

  const start = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor((performance.now() - start) / intervalMs) + 1);
    while (sent < due) {
      inFlight.push(one());
      sent++;
    }
    const next = start + sent * intervalMs;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
  }
  await Promise.all(inFlight);
  await pool.close();
  return sample;
}

/**
 * `count` requests one after the other on one keep-alive connection: the latency a request has
 * when nothing queues in front of it, which on a busy shared machine is the closest thing to the
 * proxy's own cost in time.
 */
export async function sequential(target: HttpTarget, count: number, options: { stream?: boolean } = {}): Promise<LatencySample> {
  const pool = new Pool(target.origin, { connections: 1, pipelining: 1, keepAliveTimeout: 30_000 });
  const headers = { 'content-type': 'application/json', ...target.headers };
  const sample: LatencySample = { totalMs: [], firstEventMs: [], failed: 0 };
  for (let i = 0; i < count; i++) {
    try {
      const timing = await timedRequest(pool, target, headers, options.stream === true);
      sample.totalMs.push(timing.totalMs);
      if (timing.firstEventMs !== undefined) sample.firstEventMs.push(timing.firstEventMs);
      if (timing.status !== 200) sample.failed++;
    } catch {
      sample.failed++;
    }
  }
  await pool.close();
  return sample;
}

interface RequestTiming {
  status: number;
  totalMs: number;
  firstEventMs?: number;
}

async function timedRequest(pool: Pool, target: HttpTarget, headers: Record<string, string>, stream: boolean): Promise<RequestTiming> {
  const started = performance.now();
  const res = await pool.request({ path: target.path, method: 'POST', headers, body: target.body });
  if (!stream) {
    await res.body.dump({ limit: 1 << 20 });
    return { status: res.statusCode, totalMs: performance.now() - started };
  }
  const headersMs = performance.now() - started;
  let text = '';
  let firstEventMs: number | undefined;
  for await (const chunk of res.body) {
    if (firstEventMs !== undefined) continue;
    text += String(chunk);
    if (text.includes('\n\n')) firstEventMs = performance.now() - started;
  }
  return firstEventMs === undefined ? { status: res.statusCode, totalMs: headersMs } : { status: res.statusCode, totalMs: headersMs, firstEventMs };
}

/** The q-quantile (0..1) of a sample, nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}
