/**
 * An open-loop load generator: one request every 1/rate seconds whatever the answers do, each
 * built by the caller (so every request can be another user or another key). Latency is taken from
 * the moment a request is due, not from when it was sent: a sender that falls behind (or a
 * server that holds its connections) shows up as latency instead of silently lowering the rate,
 * which is what a closed loop like autocannon's does (coordinated omission).
 */
import { Pool } from 'undici';
import { quantile } from './proxy-load.js';

export interface PacedRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface PacedLoadOptions {
  origin: string;
  /** Requests per second, spread evenly. */
  rate: number;
  seconds: number;
  /** Builds request number `i` (0-based). */
  request: (i: number) => PacedRequest;
  /** Status codes that count as answered; anything else counts as failed. Default: 2xx. */
  ok?: (status: number) => boolean;
}

export interface PacedLoadResult {
  /** Answered requests per second over the whole run, from the first due time to the last answer. */
  achievedRate: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** p99 of the requests due in the first second, and of the rest: separates warm-up from steady state. */
  firstSecondP99Ms: number;
  afterFirstSecondP99Ms: number;
  sent: number;
  failed: number;
  /** Failed requests by status code, or by error name when no answer came. */
  failures: Record<string, number>;
}

export async function pacedLoad(options: PacedLoadOptions): Promise<PacedLoadResult> {
  const pool = new Pool(options.origin, { connections: 256, pipelining: 1, keepAliveTimeout: 30_000 });
  const ok = options.ok ?? ((status: number) => status >= 200 && status < 300);
  const total = Math.round(options.rate * options.seconds);
  const intervalMs = 1000 / options.rate;
  const latencies: Array<{ dueMs: number; ms: number }> = [];
  const failures: Record<string, number> = {};
  const fail = (why: string) => {
    failures[why] = (failures[why] ?? 0) + 1;
  };
  let lastAnswerMs = 0;
  const inFlight: Promise<void>[] = [];
  const start = performance.now();

  async function one(i: number, dueMs: number): Promise<void> {
    const { method, path, headers, body } = options.request(i);
    try {
      const res = await pool.request({ method, path, headers, ...(body !== undefined ? { body } : {}) });
      await res.body.dump({ limit: 1 << 20 });
      const doneMs = performance.now() - start;
      lastAnswerMs = Math.max(lastAnswerMs, doneMs);
      if (ok(res.statusCode)) latencies.push({ dueMs, ms: doneMs - dueMs });
      else fail(String(res.statusCode));
    } catch (error) {
      fail(error instanceof Error ? error.name : 'error');
    }
  }

  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor((performance.now() - start) / intervalMs) + 1);
    while (sent < due) {
      inFlight.push(one(sent, sent * intervalMs));
      sent++;
    }
    const next = start + sent * intervalMs;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
  }
  await Promise.all(inFlight);
  await pool.close();

  const all = latencies.map((l) => l.ms);
  return {
    achievedRate: latencies.length / (Math.max(lastAnswerMs, 1) / 1000),
    p50Ms: quantile(all, 0.5),
    p99Ms: quantile(all, 0.99),
    maxMs: all.length === 0 ? Number.NaN : Math.max(...all),
    firstSecondP99Ms: quantile(latencies.filter((l) => l.dueMs < 1000).map((l) => l.ms), 0.99),
    afterFirstSecondP99Ms: quantile(latencies.filter((l) => l.dueMs >= 1000).map((l) => l.ms), 0.99),
    sent,
    failed: Object.values(failures).reduce((sum, n) => sum + n, 0),
    failures,
  };
}

export const PACED_TABLE_HEADER =
  '| target | asked req/s | achieved req/s | p50 ms | p99 ms | p99 first s | p99 after | max ms | failed |\n|---|---|---|---|---|---|---|---|---|';

export function formatPacedRow(label: string, rate: number, r: PacedLoadResult): string {
  const ms = (v: number) => (Number.isNaN(v) ? '–' : v.toFixed(2));
  return `| ${label} | ${rate} | ${Math.round(r.achievedRate)} | ${ms(r.p50Ms)} | ${ms(r.p99Ms)} | ${ms(r.firstSecondP99Ms)} | ${ms(r.afterFirstSecondP99Ms)} | ${ms(r.maxMs)} | ${r.failed === 0 ? '0' : `${r.failed} (${Object.entries(r.failures).map(([why, n]) => `${why}: ${n}`).join(', ')})`} |`;
}
