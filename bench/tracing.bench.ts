/**
 * The cost of tracing on a request path, in one run: each target (see
 * `support/tracing-targets.ts`) runs its real entry file three times, tracing off (no OTLP
 * endpoint: no SDK loaded), on (every request sampled; BatchSpanProcessor exporting OTLP/proto to a
 * sink in this process) and on with parent-based 10 % ratio sampling. Rounds interleave the modes
 * so drift on this shared 2-core machine hits them alike; the table gives medians. Server CPU time
 * per request (from /proc) is reported next to throughput because it depends far less on what else
 * the machine runs.
 *
 * TRACING_BENCH_TARGETS=proxy,api   targets, in order (default `proxy`; the proxy is issue 6's target)
 * TRACING_BENCH_SECONDS=8           seconds per round
 * TRACING_BENCH_CPU_PROF=/tmp/prof  run every server under `--cpu-prof` (profiles in /tmp/prof/<mode>/)
 */
import type { Benchmark } from './run.js';
import { type OtlpSink, startOtlpSink } from './support/otlp-sink.js';
import { MODES, type Mode, type RoundResult, startApiTarget, startProxyTarget, type TargetOptions, type TracingTarget } from './support/tracing-targets.js';

const WARMUP_SECONDS = 10;
const ROUND_SECONDS = Number(process.env.TRACING_BENCH_SECONDS ?? 8);
/** Every mode runs first, middle and last equally often, so a slow patch lands on all alike. */
const ROUNDS: readonly Mode[] = ['off', 'on', 'sampled', 'sampled', 'on', 'off', 'off', 'sampled', 'on', 'on', 'off', 'sampled'];
const TARGETS: Record<string, (options: TargetOptions) => Promise<TracingTarget>> = { proxy: startProxyTarget, api: startApiTarget };

interface Round extends RoundResult {
  mode: Mode;
}

/** Medians, not means: on a shared machine one round can land on a busy patch and drag a mean. */
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
};

function summary(rounds: Round[], mode: Mode) {
  const of = rounds.filter((r) => r.mode === mode);
  return {
    rps: median(of.map((r) => r.requestsPerSecond)),
    p50: median(of.map((r) => r.p50Ms)),
    p99: median(of.map((r) => r.p99Ms)),
    cpuUs: median(of.map((r) => r.cpuMsPerRequest)) * 1000,
    failed: of.reduce((sum, r) => sum + r.failed, 0),
    total: of.reduce((sum, r) => sum + r.total, 0),
  };
}
type Summary = ReturnType<typeof summary>;

async function measureTarget(target: TracingTarget, sink: OtlpSink): Promise<string> {
  for (const mode of MODES) await target.measure(mode, WARMUP_SECONDS);
  const exportedBefore = sink.received()['/v1/traces']?.bytes ?? 0;
  const rounds: Round[] = [];
  for (const mode of ROUNDS) rounds.push({ mode, ...(await target.measure(mode, ROUND_SECONDS)) });
  const exportedBytes = (sink.received()['/v1/traces']?.bytes ?? 0) - exportedBefore;

  const off = summary(rounds, 'off');
  const on = summary(rounds, 'on');
  const sampled = summary(rounds, 'sampled');
  const loss = (s: Summary) => `${((1 - s.rps / off.rps) * 100).toFixed(1)} %`;
  const extraCpu = (s: Summary) => `${s.cpuUs >= off.cpuUs ? '+' : ''}${(((s.cpuUs - off.cpuUs) / off.cpuUs) * 100).toFixed(0)} %`;
  const row = (label: string, s: Summary) => `| ${label} | ${Math.round(s.rps)} | ${s.p50.toFixed(1)} | ${s.p99.toFixed(1)} | ${Math.round(s.cpuUs)} | ${s.failed} |`;
  const tracedRequests = on.total + sampled.total / 10;
  return [
    `### ${target.name}`,
    '',
    `${target.describe}. Rounds ${ROUNDS.join(', ')} of ${ROUND_SECONDS} s after a ${WARMUP_SECONDS} s warm-up each; LOG_LEVEL=info to /dev/null. Table values are medians over each mode's 4 rounds.`,
    '',
    '| tracing | req/s | p50 ms | p99 ms | server CPU µs/request | failed |',
    '|---|---|---|---|---|---|',
    row('off', off),
    row('on (every request)', on),
    row('on, 10 % sampled', sampled),
    '',
    `Per round (req/s, p99 ms, CPU µs/request): ${rounds.map((r) => `${r.mode} ${Math.round(r.requestsPerSecond)}/${r.p99Ms}/${Math.round(r.cpuMsPerRequest * 1000)}`).join(', ')}`,
    '',
    `Throughput loss: every request traced ${loss(on)}, 10 % sampled ${loss(sampled)} (target < 15 %). CPU per request: ${extraCpu(on)} and ${extraCpu(sampled)}. p99 ${off.p99.toFixed(1)} → ${on.p99.toFixed(1)} / ${sampled.p99.toFixed(1)} ms.`,
    `Exported: ${(exportedBytes / 1024 / 1024).toFixed(1)} MiB of spans, about ${Math.round(exportedBytes / Math.max(1, tracedRequests))} bytes per traced request.`,
  ].join('\n');
}

const bench: Benchmark = {
  title: 'Tracing cost: the real entry files with tracing off, on, and 10 % sampled',
  async run() {
    const names = (process.env.TRACING_BENCH_TARGETS ?? 'proxy').split(',').map((name) => name.trim()).filter((name) => name !== '');
    const profileDir = process.env.TRACING_BENCH_CPU_PROF;
    const sink = await startOtlpSink();
    const sections = [
      'Tracing on = OTEL_EXPORTER_OTLP_ENDPOINT set: SDK, the instrumentations of libs/telemetry, BatchSpanProcessor exporting OTLP/proto to a sink in the benchmark process, metrics every 15 s; sampled = parentbased_traceidratio 0.1. autocannon runs in the benchmark process.',
    ];
    try {
      for (const name of names) {
        const start = TARGETS[name];
        if (start === undefined) throw new Error(`unknown target ${name} (known: ${Object.keys(TARGETS).join(', ')})`);
        const target = await start({ otlpUrl: sink.url, ...(profileDir === undefined ? {} : { profileDir }) });
        try {
          sections.push(await measureTarget(target, sink));
        } finally {
          await target.close();
        }
      }
    } finally {
      await sink.close();
    }
    return sections.join('\n\n');
  },
};

export default bench;
