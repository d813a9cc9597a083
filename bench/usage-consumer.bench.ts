/**
 * Usage-consumer throughput in events/s, draining a pre-filled queue of 50,000 usage events (in
 * jobs of 100, as a busy proxy sends them) into Postgres (aggregates, ledger), against BullMQ
 * draining the same queue with a no-op processor at the same concurrency, measured in the same run: the ratio says how much of the queue's own
 * ceiling the consumer keeps. Further rows: the same events replayed (every one a duplicate), and
 * applyUsageEvents fed from memory with the same batching (what Postgres alone sustains).
 */
import { loadConfig } from '@byok/config';
import { applyUsageEvents } from '@byok/db';
import { createBlockingConnection, QUEUES, type UsageEvent } from '@byok/queues';
import { openRuntime, type Runtime } from '@byok/runtime';
import { createLogger } from '@byok/telemetry';
import { resolveUsageConsumerSettings, startUsageConsumer, type StartUsageConsumerOptions, type UsageConsumerHandle } from '@byok/usage-consumer';
import { type Queue, Worker } from 'bullmq';
import { deleteRedisPrefix } from '../test/support/redis-cleanup.js';
import { testServiceUrls, uniqueTestName } from '../test/support/services.js';
import { createTestDatabase } from '../test/support/test-database.js';
import type { Benchmark } from './run.js';

const EVENTS = Number(process.env.BENCH_USAGE_EVENTS ?? 50_000);
const ROUNDS = 2;
/** Events per job; a proxy's jobs hold what finished within its 50 ms linger (up to 200). */
const EVENTS_PER_JOB = Number(process.env.BENCH_USAGE_EVENTS_PER_JOB ?? 100);
const KEY = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=';
const SECRET = 'bench-only-jwt-secret-0123456789abcdef-not-real';
const MODELS = [
  ['openai', 'gpt-4o-mini'],
  ['openai', 'gpt-4o'],
  ['anthropic', 'claude-3-5-haiku'],
  ['google', 'gemini-2.5-flash'],
  ['openrouter', 'meta-llama/llama-3.3-70b-instruct'],
  ['groq', 'llama-3.1-8b-instant'],
] as const;
const SOURCES = ['system', 'system', 'user_provider', 'user_openrouter'] as const;

/** Events of 2,000 users over six models and three sources, all within one UTC day. */
function makeEvents(label: string): UsageEvent[] {
  const day = Date.UTC(2026, 10, 27);
  return Array.from({ length: EVENTS }, (_, i) => {
    const [provider, model] = MODELS[i % MODELS.length] ?? MODELS[0];
    const credentialSource = SOURCES[(i >> 3) % SOURCES.length] ?? 'system';
    return {
      requestId: `${label}-${i}`,
      userId: `user-${(i * 7919) % 2000}`,
      provider,
      model,
      credentialSource,
      statusCode: i % 50 === 0 ? 429 : 200,
      stream: i % 2 === 0,
      promptTokens: 200 + (i % 800),
      completionTokens: 50 + (i % 400),
      costMicro: 300 + (i % 2000),
      creditsMicro: credentialSource === 'system' ? 360 + (i % 2400) : 0,
      latencyMs: 400 + (i % 3000),
      ttfbMs: 120 + (i % 300),
      occurredAt: new Date(day + (i % 86_400) * 1000).toISOString(),
    };
  });
}

/** Fills the queue after dropping finished jobs, so every drain starts from the same Redis state. */
async function fill(queue: Queue, events: UsageEvent[]): Promise<void> {
  await queue.clean(0, 0, 'completed');
  const jobs = [];
  for (let i = 0; i < events.length; i += EVENTS_PER_JOB) jobs.push({ name: QUEUES.usageEvents.name, data: { events: events.slice(i, i + EVENTS_PER_JOB) } });
  for (let i = 0; i < jobs.length; i += 100) await queue.addBulk(jobs.slice(i, i + 100));
}

async function waitUntilDrained(queue: Queue): Promise<void> {
  for (;;) {
    const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    if ((c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** One measured drain: events per second of wall time, and this process's CPU per event. */
interface Sample {
  perSecond: number;
  cpuMicrosPerEvent: number;
}

/**
 * Times `work` over `count` events. CPU time is this process only (the Node side: BullMQ, the
 * batcher, the pg client), which a busy shared machine distorts far less than wall time.
 */
async function measure(count: number, work: () => Promise<void>): Promise<Sample> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { perSecond: count / seconds, cpuMicrosPerEvent: (used.user + used.system) / count };
}

/** BullMQ's own ceiling: the same jobs, the same concurrency, a processor that does nothing. */
async function noOpDrain(runtime: Runtime, events: UsageEvent[], concurrency: number): Promise<Sample> {
  const queue = runtime.producers.usageEvents.queue;
  await fill(queue, events);
  const connection = createBlockingConnection(runtime.config.redisUrl);
  let worker: Worker | undefined;
  const sample = await measure(events.length, async () => {
    worker = new Worker(QUEUES.usageEvents.name, async () => undefined, { connection, prefix: runtime.config.redisPrefix, concurrency });
    await waitUntilDrained(queue);
  });
  await worker?.close();
  connection.disconnect();
  return sample;
}

async function consumerDrain(runtime: Runtime, events: UsageEvent[], options: StartUsageConsumerOptions): Promise<Sample> {
  const queue = runtime.producers.usageEvents.queue;
  await fill(queue, events);
  let consumer: UsageConsumerHandle | undefined;
  const sample = await measure(events.length, async () => {
    consumer = await startUsageConsumer(runtime, { ...options, pruneEveryMs: 0 });
    await waitUntilDrained(queue);
  });
  await consumer?.close();
  return sample;
}

/** Postgres' own ceiling for the same work: applyUsageEvents straight from memory, same batch size and parallelism. */
async function directWrite(runtime: Runtime, events: UsageEvent[], batchSize: number, parallel: number): Promise<Sample> {
  const batches: UsageEvent[][] = [];
  for (let i = 0; i < events.length; i += batchSize) batches.push(events.slice(i, i + batchSize));
  let next = 0;
  return measure(events.length, async () => {
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        for (let batch = batches[next++]; batch !== undefined; batch = batches[next++]) await applyUsageEvents(runtime.orm.em.fork(), batch);
      }),
    );
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

const bench: Benchmark = {
  title: `Usage consumer: draining ${EVENTS.toLocaleString('en-US')} pre-filled usage events into Postgres`,
  async run() {
    const db = await createTestDatabase('bench_usage');
    const prefix = uniqueTestName('bench_usage');
    const config = loadConfig({ DATABASE_URL: db.url, REDIS_URL: testServiceUrls().redisUrl, REDIS_PREFIX: prefix, BYOK_ENCRYPTION_KEYS: KEY, AUTH_JWT_SECRET: SECRET, LOG_LEVEL: 'silent', DATABASE_POOL_MAX: '20' });
    const runtime = await openRuntime(config, createLogger({ level: 'silent', name: 'bench' }));
    if (runtime.redis.status !== 'ready') await new Promise((resolve) => runtime.redis.once('ready', resolve));
    const settings = resolveUsageConsumerSettings(config.usageConsumer);
    const samples = { noop: [] as Sample[], fresh: [] as Sample[], replay: [] as Sample[], direct: [] as Sample[] };
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const events = makeEvents(`r${round}`);
        samples.noop.push(await noOpDrain(runtime, events, settings.concurrency));
        samples.fresh.push(await consumerDrain(runtime, events, {}));
        samples.replay.push(await consumerDrain(runtime, events, {}));
        samples.direct.push(await directWrite(runtime, makeEvents(`direct${round}`), settings.batchSize, settings.concurrentBatches));
      }
      await runtime.producers.usageEvents.queue.clean(0, 0, 'completed');
      const stored = await db.sql<{ events: number; daily: number; charges: number }>(
        'SELECT (SELECT count(*) FROM usage_events)::int AS events, (SELECT count(*) FROM usage_daily)::int AS daily, (SELECT count(*) FROM credit_ledger)::int AS charges',
      );
      const rates = (xs: Sample[]) => xs.map((x) => x.perSecond);
      const base = median(rates(samples.noop));
      const row = (name: string, xs: Sample[]) =>
        `| ${name} | ${fmt(median(rates(xs)))} | ${rates(xs).map(fmt).join(', ')} | ${(median(rates(xs)) / base).toFixed(2)} | ${median(xs.map((x) => x.cpuMicrosPerEvent)).toFixed(0)} |`;
      return [
        `${EVENTS_PER_JOB} events per job. Defaults: batch ${settings.batchSize}, wait ${settings.batchWaitMs} ms, ${settings.concurrentBatches} batches at once, concurrency ${settings.concurrency}; ${ROUNDS} rounds, median shown.`,
        '',
        '| drain | events/s (median) | rounds | vs no-op BullMQ | Node CPU µs/event |',
        '|---|---:|---|---:|---:|',
        row('BullMQ, no-op processor (baseline)', samples.noop),
        row('usage consumer, new events', samples.fresh),
        row('usage consumer, replay (all duplicates)', samples.replay),
        row('applyUsageEvents from memory, no queue (Postgres ceiling)', samples.direct),
        '',
        `Stored after the run: ${fmt(stored[0]?.events ?? 0)} raw events, ${fmt(stored[0]?.daily ?? 0)} daily rows, ${fmt(stored[0]?.charges ?? 0)} ledger charges.`,
      ].join('\n');
    } finally {
      await runtime.close();
      await deleteRedisPrefix(prefix);
      await db.drop();
    }
  },
};

export default bench;
