import { PRUNE_SCHEDULER_ID, USAGE_MAINTENANCE_QUEUE } from '@byok/usage-consumer';
import { QUEUES, type MaintenanceJob } from '@byok/queues';
import { createBlockingConnection } from '@byok/queues';
import { Queue, QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsumerHarness, type ConsumerHarness } from './support/consumer-harness.js';
import { makeEvent, readDaily } from './support/usage-fixtures.js';

const DAY_MS = 24 * 3600 * 1000;

/** Listens to the usage maintenance queue's events for the duration of `fn`, then releases its connection. */
async function withQueueEvents<T>(h: ConsumerHarness, fn: (events: QueueEvents) => Promise<T>): Promise<T> {
  const connection = createBlockingConnection(h.config.redisUrl);
  const events = new QueueEvents(USAGE_MAINTENANCE_QUEUE, { connection, prefix: h.redisPrefix });
  try {
    await events.waitUntilReady();
    return await fn(events);
  } finally {
    await events.close();
    connection.disconnect();
  }
}

describe('pruning raw usage events', () => {
  let h: ConsumerHarness;
  let maintenance: Queue;
  beforeAll(async () => {
    h = await startConsumerHarness('usage_prune');
    maintenance = new Queue(USAGE_MAINTENANCE_QUEUE, { connection: h.runtime.redis, prefix: h.redisPrefix });
  });
  afterAll(async () => {
    await maintenance.close();
    await h.close();
  });

  it('schedules a daily prune on its own queue, never on the worker-owned maintenance queue', async () => {
    const consumer = await h.startConsumer({ pruneEveryMs: DAY_MS });
    const scheduler = await maintenance.getJobScheduler(PRUNE_SCHEDULER_ID);
    expect(scheduler).toMatchObject({ every: DAY_MS, name: 'prune-usage-events' });
    expect(await h.runtime.producers.maintenance.queue.getJobSchedulers()).toEqual([]);
    await consumer.close();
    const off = await h.startConsumer({ pruneEveryMs: 0 });
    expect(await maintenance.getJobScheduler(PRUNE_SCHEDULER_ID)).toBeUndefined();
    await off.close();
  });

  it('removes raw events older than the retention and keeps every aggregate', { timeout: 30_000 }, async () => {
    const now = Date.now();
    const old = [1, 2, 3].map((n) => makeEvent({ requestId: `old-${n}`, occurredAt: new Date(now - (100 + n) * DAY_MS).toISOString() }));
    const recent = [1, 2].map((n) => makeEvent({ requestId: `recent-${n}`, occurredAt: new Date(now - n * DAY_MS).toISOString() }));
    const consumer = await h.startConsumer({ retentionDays: 90, pruneBatchSize: 2, pruneEveryMs: 0 });
    await h.enqueue([...old, ...recent]);
    await h.waitUntilDrained(10_000);
    const aggregates = await readDaily(h.db);
    expect(aggregates.reduce((sum, row) => sum + row.calls, 0)).toBe(5);

    const data: MaintenanceJob = { task: 'prune-usage-events', requestedBy: 'test' };
    const result = await withQueueEvents(h, async (events) => {
      const job = await maintenance.add(data.task, data, QUEUES.maintenance.defaultJobOptions);
      return (await job.waitUntilFinished(events, 10_000)) as { deleted: number; olderThan: string };
    });
    expect(result.deleted).toBe(3);
    expect(Date.parse(result.olderThan)).toBeCloseTo(now - 90 * DAY_MS, -5);
    expect((await h.db.sql<{ request_id: string }>('SELECT request_id FROM usage_events ORDER BY request_id')).map((r) => r.request_id)).toEqual(['recent-1', 'recent-2']);
    expect(await readDaily(h.db)).toEqual(aggregates);

    // A redelivered pruned event is re-counted (documented), but never charged twice.
    const before = await h.db.sql('SELECT count(*)::int AS n FROM credit_ledger');
    await h.enqueue([old[0]]);
    await h.waitUntilDrained(10_000);
    expect(await h.db.sql('SELECT count(*)::int AS n FROM credit_ledger')).toEqual(before);
    await consumer.close();
  });

  it('fails a task it does not own without retry', async () => {
    const consumer = await h.startConsumer({ pruneEveryMs: 0 });
    await withQueueEvents(h, async (events) => {
      const job = await maintenance.add('revalidate-keys', { task: 'revalidate-keys', requestedBy: 'test' }, { attempts: 3 });
      await expect(job.waitUntilFinished(events, 10_000)).rejects.toThrow(/no handler for maintenance task "revalidate-keys"/);
      expect((await maintenance.getJob(String(job.id)))?.attemptsMade).toBe(1);
    });
    await consumer.close();
  });
});
