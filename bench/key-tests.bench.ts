/**
 * Key-test pipeline against the mock provider answering at once: tests completed per second with
 * the worker at its default concurrency, and enqueue-to-result latency at a steady 100 tests/s.
 * Baseline: BullMQ draining the same number of jobs with a no-op processor, in the same run.
 * The mock runs in a process of its own, as a provider is remote, so its CPU is not counted as the
 * worker's; the worker runs with the production pool size (DATABASE_POOL_MAX default, 20).
 * A second baseline drains the same jobs through BullMQ with only the provider call, the part of a
 * key test that no database work can remove. CPU figures are this process's (the worker's).
 */
import { PROVIDERS, validateKey } from '@byok/providers';
import { createBlockingConnection } from '@byok/queues';
import { Queue, Worker } from 'bullmq';
import { fakeKey } from '@byok/mock-providers';
import { startWorkerHarness, type WorkerHarness } from '../test/worker/support/worker-harness.js';
import type { Benchmark } from './run.js';
import { startChild } from './support/child-process.js';

const JOBS = 2000;
const STEADY_RATE = 100;
const STEADY_SECONDS = 5;

const cpuMs = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000;

interface Drain {
  perSecond: number;
  cpuMsPerJob: number;
}

/** Drains JOBS jobs `{ i }` through a plain BullMQ worker at the key-test worker's concurrency. */
async function drain(h: WorkerHarness, name: string, processor: (i: number) => Promise<unknown>): Promise<Drain> {
  const queue = new Queue(name, { connection: createBlockingConnection(h.config.redisUrl), prefix: h.redisPrefix });
  await queue.addBulk(Array.from({ length: JOBS }, (_, i) => ({ name, data: { i }, opts: { removeOnComplete: true } })));
  let done = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const finished = new Promise<void>((resolve) => {
    const worker = new Worker(name, (job) => processor((job.data as { i: number }).i), {
      connection: createBlockingConnection(h.config.redisUrl),
      prefix: h.redisPrefix,
      concurrency: h.config.workerConcurrency,
    });
    worker.on('completed', () => {
      if (++done === JOBS) void worker.close().then(() => resolve());
    });
  });
  await finished;
  const result = { perSecond: JOBS / ((performance.now() - started) / 1000), cpuMsPerJob: cpuMs(process.cpuUsage(cpuBefore)) / JOBS };
  await queue.close();
  return result;
}

interface Finished {
  timestamp: number;
  processedOn: number;
  finishedOn: number;
}

async function waitUntilFinished(queue: Queue, count: number): Promise<void> {
  for (;;) {
    const counts = await queue.getJobCounts('completed', 'failed');
    if ((counts.completed ?? 0) + (counts.failed ?? 0) >= count) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function finishedJobs(queue: Queue): Promise<Finished[]> {
  const jobs = await queue.getJobs(['completed', 'failed'], 0, -1);
  return jobs.map((j) => ({ timestamp: j.timestamp, processedOn: j.processedOn ?? j.timestamp, finishedOn: j.finishedOn ?? j.timestamp }));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

const bench: Benchmark = {
  title: 'Key-test pipeline: tests/s and enqueue-to-result latency (mock answering at once)',
  async run() {
    const mock = await startChild<{ baseUrls: Record<string, string> }>('bench/support/serve-mock.ts', {});
    const groqUrl = mock.info.baseUrls.groq;
    if (groqUrl === undefined) throw new Error('the mock announced no groq base URL');
    const h = await startWorkerHarness('bench_key_tests', { env: { LOG_LEVEL: 'silent', DATABASE_POOL_MAX: '20', PROVIDER_GROQ_BASE_URL: groqUrl } });
    try {
      const keys = [];
      const apiKeys = Array.from({ length: JOBS }, (_, i) => fakeKey('groq', 'valid', `bench-${i}`));
      for (const [i, apiKey] of apiKeys.entries()) keys.push(await h.insertKey({ userId: `bench-${i}`, provider: 'groq', apiKey }));
      const baseline = await drain(h, 'bench-noop', async () => undefined);
      // The part of a key test no database work can remove: BullMQ plus the provider call.
      const providerOnly = await drain(h, 'bench-provider-only', (i) =>
        validateKey({ provider: PROVIDERS.groq, baseUrl: groqUrl, apiKey: apiKeys[i] ?? '', timeoutMs: h.config.providerTimeoutMs }),
      );

      const queue = h.runtime.producers.keyTests.queue;
      const ids: string[] = [];
      for (const key of keys) ids.push(await h.enqueueTest(key, { jobOptions: { removeOnComplete: false } }));
      const cpuBefore = process.cpuUsage();
      const worker = await h.startWorker();
      await waitUntilFinished(queue, ids.length);
      // This process is the worker (plus this loop's polling); the mock, Postgres and Redis are not in it.
      const workerCpuMsPerTest = cpuMs(process.cpuUsage(cpuBefore)) / JOBS;
      const burst = await finishedJobs(queue);
      const firstStart = Math.min(...burst.map((j) => j.processedOn));
      const lastEnd = Math.max(...burst.map((j) => j.finishedOn));
      const throughput = JOBS / ((lastEnd - firstStart) / 1000);
      await queue.clean(0, 100_000, 'completed');

      const steady = keys.slice(0, STEADY_RATE * STEADY_SECONDS);
      const interval = 1000 / STEADY_RATE;
      const t0 = performance.now();
      for (let i = 0; i < steady.length; i++) {
        const wait = t0 + i * interval - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const key = steady[i];
        if (key) await h.enqueueTest(key, { reason: 'manual', jobOptions: { removeOnComplete: false, jobId: `steady-${i}` } });
      }
      await waitUntilFinished(queue, steady.length);
      // BullMQ stamps each job when it is added and when it finishes (ms, Redis-side clock).
      const latencies = (await finishedJobs(queue)).map((j) => j.finishedOn - j.timestamp);
      await worker.close();
      latencies.sort((a, b) => a - b);
      return [
        `${JOBS} keys, worker concurrency ${h.config.workerConcurrency} (default), pool ${h.config.databasePoolMax}; the mock provider in its own process.`,
        '',
        '| measure | value |',
        '|---|---|',
        `| BullMQ no-op drain (baseline) | ${Math.round(baseline.perSecond)} jobs/s, ${baseline.cpuMsPerJob.toFixed(2)} ms CPU/job |`,
        `| BullMQ + provider call only, no database | ${Math.round(providerOnly.perSecond)} jobs/s (${(providerOnly.perSecond / baseline.perSecond).toFixed(2)} × baseline), ${providerOnly.cpuMsPerJob.toFixed(2)} ms CPU/job |`,
        `| key tests completed | ${Math.round(throughput)} tests/s (${(throughput / baseline.perSecond).toFixed(2)} × baseline), ${workerCpuMsPerTest.toFixed(2)} ms CPU/test |`,
        `| enqueue → result at ${STEADY_RATE}/s, p50 | ${percentile(latencies, 50).toFixed(1)} ms |`,
        `| enqueue → result at ${STEADY_RATE}/s, p99 | ${percentile(latencies, 99).toFixed(1)} ms |`,
        '',
        'Targets: ≥ 1,000 tests/s, p99 < 50 ms at 100 tests/s.',
      ].join('\n');
    } finally {
      await h.close();
      await mock.stop();
    }
  },
};

export default bench;
