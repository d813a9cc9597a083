/**
 * Webhook deliveries per second to a local receiver (issue #16's target: 500/s), draining a queue
 * pre-filled through the webhook channel, against BullMQ draining the same number of jobs with a
 * no-op processor at the same concurrency in the same run (the queue's own ceiling). A second row
 * paces 100 events/s through `enqueueFor` with the worker running and reports the time from the
 * call to the receiver's receipt (p50/p99). The receiver runs in this process, so its CPU counts
 * against the figures; the lead's full run measures, this file's smoke run only checks it works.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createKeyring } from '@byok/crypto';
import type { NotificationEvent } from '@byok/notifications';
import { createWebhookChannel, generateWebhookSecret, insertWebhook, startWebhookDeliveryWorker } from '@byok/notifications/webhooks';
import { createBlockingConnection, createProducerConnection, createProducers, QUEUES } from '@byok/queues';
import { createLogger } from '@byok/telemetry';
import { type Queue, Worker } from 'bullmq';
import { deleteRedisPrefix } from '../test/support/redis-cleanup.js';
import { testServiceUrls, uniqueTestName } from '../test/support/services.js';
import { createTestDatabase, type TestDatabase } from '../test/support/test-database.js';
import type { Benchmark } from './run.js';

const DELIVERIES = Number(process.env.BENCH_WEBHOOK_DELIVERIES ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_WEBHOOK_CONCURRENCY ?? 50);
const PACED_SECONDS = Number(process.env.BENCH_WEBHOOK_PACED_SECONDS ?? 10);
const PACED_PER_SECOND = 100;
const USERS = 100;
const KEY = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=';

function event(i: number, label: string): NotificationEvent {
  return {
    id: `${label}-${i}`,
    type: 'key_invalid',
    userId: `bench-user-${i % USERS}`,
    occurredAt: new Date().toISOString(),
    subject: { kind: 'key', keyId: '00000000-0000-4000-8000-000000000001', provider: 'openai', label: 'bench' },
    title: 'Your OpenAI key stopped working',
    message: 'OpenAI refused the key (401).',
    action: 'Replace the key in the page.',
    link: '/#keys/openai',
  };
}

async function waitUntilDrained(queue: Queue): Promise<void> {
  for (;;) {
    const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    if ((c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function countDelivered(db: TestDatabase, prefix: string): Promise<number> {
  const [row] = await db.sql<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'delivered' AND event_id LIKE $1`, [`${prefix}-%`]);
  return row?.n ?? 0;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

const benchmark: Benchmark = {
  title: `Webhook deliveries (${DELIVERIES} to a local receiver, concurrency ${CONCURRENCY})`,
  async run() {
    const db = await createTestDatabase('bench_webhooks');
    const prefix = uniqueTestName('bench_webhooks');
    const { redisUrl } = testServiceUrls();
    const connection = createProducerConnection(redisUrl);
    if (connection.status !== 'ready') await new Promise((resolve) => connection.once('ready', resolve));
    const producers = createProducers({ connection, prefix });
    const queue = producers.webhookDeliveries.queue;
    const sentAt = new Map<string, number>();
    const receivedAt = new Map<string, number>();
    // Answers 204 and, for the paced row, notes when each event arrived (its id is in the body).
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const id = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string }).id;
        if (id.startsWith('paced-')) receivedAt.set(id, performance.now());
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const keyring = createKeyring([KEY]);
    const rows: string[] = [];
    try {
      for (let u = 0; u < USERS; u++) {
        await insertWebhook(db.orm.em.fork(), { userId: `bench-user-${u}`, url, events: ['key_invalid'], enabled: true, secretEncrypted: keyring.encrypt(generateWebhookSecret()) });
      }
      const channel = createWebhookChannel({ orm: db.orm, producer: producers.webhookDeliveries });

      // The queue's ceiling: the same number of jobs drained by a processor that does nothing.
      await queue.addBulk(Array.from({ length: DELIVERIES }, (_, i) => ({ name: QUEUES.webhookDeliveries.name, data: { deliveryId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` } })));
      const noOpConnection = createBlockingConnection(redisUrl);
      const noOpStarted = performance.now();
      const noOp = new Worker(QUEUES.webhookDeliveries.name, async () => undefined, { connection: noOpConnection, prefix, concurrency: CONCURRENCY });
      await waitUntilDrained(queue);
      const noOpPerSecond = DELIVERIES / ((performance.now() - noOpStarted) / 1000);
      await noOp.close();
      noOpConnection.disconnect();
      await queue.obliterate({ force: true });

      // Deliveries: enqueue every event first (not timed), then time the worker draining them.
      const enqueueStarted = performance.now();
      for (let i = 0; i < DELIVERIES; i += 50) await Promise.all(Array.from({ length: Math.min(50, DELIVERIES - i) }, (_, j) => channel.enqueueFor(event(i + j, 'drain'))));
      const enqueuePerSecond = DELIVERIES / ((performance.now() - enqueueStarted) / 1000);
      const logger = createLogger({ level: 'silent', name: 'bench-webhooks' });
      const workerDeps = { orm: db.orm, keyring, logger, redisUrl, redisPrefix: prefix, production: false, webhooks: { allowPrivate: true, timeoutMs: 5_000, concurrency: CONCURRENCY } };
      const cpu = process.cpuUsage();
      const drainStarted = performance.now();
      const worker = startWebhookDeliveryWorker(workerDeps);
      await waitUntilDrained(queue);
      const drainSeconds = (performance.now() - drainStarted) / 1000;
      const used = process.cpuUsage(cpu);
      const delivered = await countDelivered(db, 'drain');
      const perSecond = delivered / drainSeconds;

      // Paced: 100 events/s through enqueueFor, timed from the call to the receiver's receipt.
      const paced = PACED_SECONDS * PACED_PER_SECOND;
      const pacedStarted = performance.now();
      const calls: Promise<void>[] = [];
      for (let i = 0; i < paced; i++) {
        const due = pacedStarted + (i * 1000) / PACED_PER_SECOND;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const e = event(i, 'paced');
        sentAt.set(e.id, performance.now());
        calls.push(channel.enqueueFor(e));
      }
      await Promise.all(calls);
      await waitUntilDrained(queue);
      const latencies = [...sentAt].flatMap(([id, started]) => {
        const done = receivedAt.get(id);
        return done === undefined ? [] : [done - started];
      });
      latencies.sort((a, b) => a - b);
      await worker.close();
      rows.push(
        '| Measure | Value |',
        '|---|---|',
        `| deliveries/s (signed POST, row read + attempt recorded) | ${perSecond.toFixed(0)} (target 500) |`,
        `| BullMQ no-op drain of as many jobs, jobs/s | ${noOpPerSecond.toFixed(0)} |`,
        `| share of the queue's ceiling | ${((perSecond / noOpPerSecond) * 100).toFixed(0)} % |`,
        `| this process's CPU per delivery (worker + in-process receiver) | ${((used.user + used.system) / Math.max(delivered, 1)).toFixed(0)} µs |`,
        `| delivered / expected | ${delivered} / ${DELIVERIES} |`,
        `| enqueueFor calls/s (50 at a time; not part of the drain) | ${enqueuePerSecond.toFixed(0)} |`,
        `| paced ${PACED_PER_SECOND}/s for ${PACED_SECONDS} s: enqueueFor → received, p50 / p99 | ${percentile(latencies, 50).toFixed(0)} ms / ${percentile(latencies, 99).toFixed(0)} ms (${latencies.length} of ${paced}) |`,
      );
    } finally {
      receiver.closeAllConnections();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
      await producers.close();
      connection.disconnect();
      await deleteRedisPrefix(prefix);
      await db.drop();
    }
    return rows.join('\n');
  },
};

export default benchmark;
