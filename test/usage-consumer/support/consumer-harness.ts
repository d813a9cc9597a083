import { Writable } from 'node:stream';
import { loadConfig, type Config } from '@byok/config';
import { QUEUES, type UsageEvent } from '@byok/queues';
import { openRuntime, type Runtime } from '@byok/runtime';
import { createLogger } from '@byok/telemetry';
import { startUsageConsumer, type StartUsageConsumerOptions, type UsageConsumerHandle } from '@byok/usage-consumer';
import type { JobsOptions, Queue } from 'bullmq';
import { deleteRedisPrefix } from '../../support/redis-cleanup.js';
import { testServiceUrls, uniqueTestName } from '../../support/services.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';

/** The Fernet test key from the public spec vectors (as in the other harnesses); protects nothing. */
const TEST_ENCRYPTION_KEY = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=';
const TEST_JWT_SECRET = 'test-only-jwt-secret-0123456789abcdef-not-real';

/** Fast retries, so outage tests do not wait out the production backoff. */
export const FAST_RETRY: JobsOptions = { backoff: { type: 'exponential', delay: 100 } };

export interface ConsumerHarnessOptions {
  /** Database URL the consumer uses instead of the test database's own (e.g. through a TCP switch). */
  databaseUrl?: (db: TestDatabase) => string;
  env?: Record<string, string>;
}

export interface EnqueueOptions extends JobsOptions {
  eventsPerJob?: number;
}

export interface ConsumerHarness {
  db: TestDatabase;
  runtime: Runtime;
  config: Config;
  redisPrefix: string;
  /** The environment the config was loaded from (for child processes). */
  env: Record<string, string>;
  logs: string[];
  queue: Queue;
  startConsumer(options?: StartUsageConsumerOptions): Promise<UsageConsumerHandle>;
  /**
   * Adds the events as the proxy does, `eventsPerJob` (default 100) to a job, in bulk; returns the
   * job ids. An entry that is not a valid event travels in its job all the same.
   */
  enqueue(events: ReadonlyArray<UsageEvent | unknown>, options?: EnqueueOptions): Promise<string[]>;
  /** Adds each payload as a job of its own, as it is (a proxy before batching, or garbage); returns the job ids. */
  enqueueRaw(payloads: readonly unknown[], options?: JobsOptions): Promise<string[]>;
  /** Waits until no job is waiting, active, delayed or prioritised. */
  waitUntilDrained(timeoutMs: number): Promise<void>;
  jobCounts(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

export async function startConsumerHarness(label: string, options: ConsumerHarnessOptions = {}): Promise<ConsumerHarness> {
  const db = await createTestDatabase(label);
  const redisPrefix = uniqueTestName(label);
  const env: Record<string, string> = {
    DATABASE_URL: options.databaseUrl ? options.databaseUrl(db) : db.url,
    REDIS_URL: testServiceUrls().redisUrl,
    REDIS_PREFIX: redisPrefix,
    BYOK_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'info',
    DATABASE_POOL_MAX: '10',
    ...options.env,
  };
  const config = loadConfig(env);
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(String(chunk));
      callback();
    },
  });
  const runtime = await openRuntime(config, createLogger({ level: config.logLevel, name: 'usage-consumer-test', destination }));
  // The producer connection keeps no offline queue, so wait until it is ready before enqueueing.
  if (runtime.redis.status !== 'ready') await new Promise((resolve) => runtime.redis.once('ready', resolve));
  const queue = runtime.producers.usageEvents.queue;
  const consumers: UsageConsumerHandle[] = [];

  const addJobs = async (payloads: readonly unknown[], jobOptions: JobsOptions): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < payloads.length; i += 1000) {
      const jobs = await queue.addBulk(payloads.slice(i, i + 1000).map((data) => ({ name: QUEUES.usageEvents.name, data, opts: jobOptions })));
      ids.push(...jobs.map((job) => String(job.id)));
    }
    return ids;
  };
  const jobCounts = () => queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed');
  return {
    db,
    runtime,
    config,
    redisPrefix,
    env,
    logs,
    queue,
    async startConsumer(consumerOptions = {}) {
      const handle = await startUsageConsumer(runtime, consumerOptions);
      consumers.push(handle);
      return handle;
    },
    async enqueue(events, { eventsPerJob = 100, ...jobOptions } = {}) {
      const batches: unknown[] = [];
      for (let i = 0; i < events.length; i += eventsPerJob) batches.push({ events: events.slice(i, i + eventsPerJob) });
      return addJobs(batches, jobOptions);
    },
    enqueueRaw: (payloads, jobOptions = {}) => addJobs(payloads, jobOptions),
    async waitUntilDrained(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const counts = await jobCounts();
        if ((counts.waiting ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0) === 0) return;
        if (Date.now() > deadline) throw new Error(`queue not drained after ${timeoutMs} ms: ${JSON.stringify(counts)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    jobCounts,
    async close() {
      await Promise.all(consumers.map((c) => c.close()));
      await runtime.close();
      await deleteRedisPrefix(redisPrefix);
      await db.drop();
    },
  };
}
