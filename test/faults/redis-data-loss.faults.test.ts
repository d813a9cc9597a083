import { REVALIDATION_SCHEDULER_ID } from '@byok/worker';
import { PRUNE_SCHEDULER_ID, startUsageConsumer, USAGE_MAINTENANCE_QUEUE, type UsageConsumerHandle } from '@byok/usage-consumer';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeKey } from '@byok/mock-providers';
import { startWorkerHarness, type WorkerHarness } from '../worker/support/worker-harness.js';
import { waitFor } from './support/fault-stack.js';
import { startThrowawayRedis, type ThrowawayRedis } from './support/throwaway-redis.js';

/**
 * #19.3: "Redis data loss breaks key tests and schedules." Audit idempotency keys were
 * `key-test:<keyId>:<jobId>`, and BullMQ's job ids restart at 1 once Redis has lost its data, so
 * replaced keys were treated as already tested (no provider call, no audit record, left `testing`);
 * the re-validation and prune schedules vanished and came back only at the next boot. Here the
 * test's own Redis is flushed (FLUSHALL on the throwaway server, never the shared one) between the
 * tests of keys and the tests of their replacements.
 */
const KEYS = 5;

let redisServer: ThrowawayRedis;
let flusher: Redis;
let h: WorkerHarness;
let consumer: UsageConsumerHandle;
let usageMaintenance: Queue;

beforeAll(async () => {
  redisServer = await startThrowawayRedis();
  flusher = new Redis(redisServer.url, { maxRetriesPerRequest: 1 });
  h = await startWorkerHarness('faults_redis_loss', {
    env: { REDIS_URL: redisServer.url, KEY_REVALIDATE_INTERVAL_MS: String(3600_000), SCHEDULE_REASSERT_INTERVAL_MS: '2000' },
  });
  await h.startWorker();
  consumer = await startUsageConsumer(h.runtime, { pruneEveryMs: 3600_000, batchWaitMs: 5 });
  usageMaintenance = new Queue(USAGE_MAINTENANCE_QUEUE, { connection: h.runtime.redis, prefix: h.redisPrefix });
}, 60_000);

afterAll(async () => {
  await usageMaintenance?.close();
  await consumer?.close();
  await h?.close();
  flusher?.disconnect();
  await redisServer?.close();
});

const schedulers = async () => ({
  revalidation: (await h.runtime.producers.maintenance.queue.getJobScheduler(REVALIDATION_SCHEDULER_ID)) !== undefined,
  prune: (await usageMaintenance.getJobScheduler(PRUNE_SCHEDULER_ID)) !== undefined,
});

/** Enqueues one test per key in order (so job ids line up with the keys each time) and waits for them all. */
async function testAll(keys: Array<Awaited<ReturnType<WorkerHarness['insertKey']>>>): Promise<string[]> {
  const ids: string[] = [];
  for (const key of keys) ids.push(await h.enqueueTest(key));
  for (const id of ids) await h.waitForJob(id, 30_000);
  return ids;
}

describe('Redis loses its data between key tests', () => {
  it('replaced keys are still tested and audited although job ids restart, and the schedules come back without a restart', async () => {
    expect(await schedulers()).toEqual({ revalidation: true, prune: true });
    const users = Array.from({ length: KEYS }, (_, i) => `loss-user-${i}`);
    const first = await Promise.all(users.map((userId) => h.insertKey({ userId, provider: 'groq', apiKey: fakeKey('groq', 'valid', `${userId}-old`) })));
    const firstIds = await testAll(first);

    await flusher.flushall();
    expect(await schedulers()).toEqual({ revalidation: false, prune: false });

    const replacements = users.map((userId) => fakeKey('groq', 'valid', `${userId}-new`));
    const second = [];
    for (const [i, userId] of users.entries()) second.push(await h.insertKey({ userId, provider: 'groq', apiKey: replacements[i] ?? '' }));
    expect(second.map((k) => k.keyVersion)).toEqual(users.map(() => 2));
    const secondIds = await testAll(second);
    // The situation of the finding: the same job ids again, for the same keys.
    expect(secondIds).toEqual(firstIds);

    for (const [i, key] of second.entries()) {
      expect((await h.keyRow(key.id)).test_status).toBe('valid');
      expect(h.callsWith(replacements[i] ?? '')).toHaveLength(1);
      expect((await h.auditOf(key.id)).map((a) => a.details.key_version)).toEqual([1, 2]);
    }

    await waitFor(async () => {
      const now = await schedulers();
      return now.revalidation && now.prune;
    }, 10_000, 'the re-validation and prune schedules to be re-created');
  }, 120_000);
});
