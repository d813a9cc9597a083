/**
 * Notifier: in-page notifications per second, draining an outbox pre-filled with
 * BENCH_NOTIFY_EVENTS events (default 20,000) through the queue into the page's table; and the
 * latency from a state change's commit to its page row at a steady 100 events/s for
 * BENCH_NOTIFY_LATENCY_S seconds (default 20), each event emitted in its own transaction as key
 * changes are. Targets (issue #16): at least 2,000 notifications/s, p99 under 1 s at 100/s.
 * Page latency is measured inside Postgres (the event's time against `clock_timestamp()` of its
 * page row's insert), so the bench's own polling adds nothing. In the latency phase every owner
 * also has a webhook to a receiver in this process, so the same events are timed from their
 * commit to the signed POST's arrival: the whole path, outbox drain, notifications queue, webhook
 * channel, delivery queue and the delivery worker's request.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '@byok/config';
import { emitNotifications, keyEventDraft, type NotificationDraft } from '@byok/notifications';
import { generateWebhookSecret, insertWebhook } from '@byok/notifications/webhooks';
import { startNotifier } from '@byok/notifier';
import { openRuntime } from '@byok/runtime';
import { createLogger } from '@byok/telemetry';
import { deleteRedisPrefix } from '../test/support/redis-cleanup.js';
import { testServiceUrls, uniqueTestName } from '../test/support/services.js';
import { createTestDatabase } from '../test/support/test-database.js';
import type { Benchmark } from './run.js';

const EVENTS = Number(process.env.BENCH_NOTIFY_EVENTS ?? 20_000);
const LATENCY_SECONDS = Number(process.env.BENCH_NOTIFY_LATENCY_S ?? 20);
const RATE_PER_S = 100;
const KEY = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=';
const SECRET = 'bench-only-jwt-secret-0123456789abcdef-not-real';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Events about 1,000 users' keys; each has its own dedupe scope, so none is dropped. */
function draft(i: number, label: string): NotificationDraft {
  const user = `bench-user-${i % 1000}`;
  return { ...keyEventDraft('key_invalid', { keyId: '00000000-0000-4000-8000-000000000001', userId: user, provider: 'openai', label: 'bench' }), dedupeScope: `${label}-${i}` };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const benchmark: Benchmark = {
  title: 'Notifier: in-page throughput and commit-to-page latency',
  async run() {
    const db = await createTestDatabase('bench_notifier');
    const prefix = uniqueTestName('bench_notifier');
    const config = loadConfig({
      DATABASE_URL: db.url,
      REDIS_URL: testServiceUrls().redisUrl,
      REDIS_PREFIX: prefix,
      BYOK_ENCRYPTION_KEYS: KEY,
      AUTH_JWT_SECRET: SECRET,
      LOG_LEVEL: 'warn',
      NOTIFY_SCAN_INTERVAL_S: '86400',
      WEBHOOK_ALLOW_PRIVATE: 'true',
    });
    const runtime = await openRuntime(config, createLogger({ level: 'warn', name: 'bench-notifier' }), { storedKeysCheck: 'off' });
    // The webhook receiver: notes when each event's POST arrived (its id is in the body).
    const receivedAtMs = new Map<string, number>();
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        receivedAtMs.set((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string }).id, Date.now());
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      await db.sql('CREATE TABLE bench_delivered (id uuid PRIMARY KEY, delivered_at timestamptz NOT NULL)');
      await db.sql(`CREATE FUNCTION bench_mark_delivered() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO bench_delivered VALUES (NEW.id, clock_timestamp()); RETURN NEW; END $$`);
      await db.sql('CREATE TRIGGER bench_mark_delivered AFTER INSERT ON notifications FOR EACH ROW EXECUTE FUNCTION bench_mark_delivered()');
      const delivered = async () => (await db.sql<{ n: number }>('SELECT count(*)::int AS n FROM bench_delivered'))[0]?.n ?? 0;

      // 1. Throughput: a pre-filled outbox, drained into the page.
      for (let i = 0; i < EVENTS; i += 1000) {
        const batch = Array.from({ length: Math.min(1000, EVENTS - i) }, (_, j) => draft(i + j, 'throughput'));
        await runtime.orm.em.fork().transactional((em) => emitNotifications(em, batch));
      }
      const started = performance.now();
      const notifier = await startNotifier(runtime);
      while ((await delivered()) < EVENTS) await sleep(50);
      const seconds = (performance.now() - started) / 1000;

      // 2. Latency at a steady rate, one transaction per event; from here every owner has a webhook.
      const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      for (let u = 0; u < 1000; u++) {
        await insertWebhook(runtime.orm.em.fork(), { userId: `bench-user-${u}`, url: hookUrl, events: ['key_invalid'], enabled: true, secretEncrypted: runtime.keyring.encrypt(generateWebhookSecret()) });
      }
      const sentBefore = await delivered();
      const total = LATENCY_SECONDS * RATE_PER_S;
      const t0 = performance.now();
      for (let i = 0; i < total; i++) {
        const due = t0 + (i * 1000) / RATE_PER_S;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        void runtime.orm.em.fork().transactional((em) => emitNotifications(em, [draft(i, 'latency')]));
      }
      while ((await delivered()) < sentBefore + total) await sleep(50);
      const webhookDeadline = Date.now() + 60_000;
      while (receivedAtMs.size < total && Date.now() < webhookDeadline) await sleep(50);
      await notifier.close();
      const committedAt = await db.sql<{ id: string; ms: number }>(
        `SELECT id, extract(epoch FROM created_at) * 1000 AS ms FROM notification_outbox WHERE dedupe_key LIKE '%:latency-%'`,
      );
      const webhookLatencies = committedAt
        .flatMap((row) => {
          const received = receivedAtMs.get(row.id);
          return received === undefined ? [] : [received - Number(row.ms)];
        })
        .sort((a, b) => a - b);
      const latencies = (
        await db.sql<{ ms: number }>(
          `SELECT extract(epoch FROM d.delivered_at - o.created_at) * 1000 AS ms FROM bench_delivered d JOIN notification_outbox o ON o.id = d.id WHERE o.dedupe_key LIKE '%:latency-%'`,
        )
      )
        .map((r) => Number(r.ms))
        .sort((a, b) => a - b);
      const rate = EVENTS / seconds;
      return [
        '| measure | value | target |',
        '|---|---:|---:|',
        `| in-page notifications/s (${EVENTS} pre-filled events) | ${rate.toFixed(0)} | ≥ 2,000 |`,
        `| commit → page p50 at ${RATE_PER_S}/s (${total} events) | ${percentile(latencies, 50).toFixed(0)} ms | |`,
        `| commit → page p99 at ${RATE_PER_S}/s | ${percentile(latencies, 99).toFixed(0)} ms | < 1,000 ms |`,
        `| commit → page max at ${RATE_PER_S}/s | ${(latencies.at(-1) ?? Number.NaN).toFixed(0)} ms | |`,
        `| commit → webhook received, p50 / p99 / max at ${RATE_PER_S}/s (${webhookLatencies.length} of ${total} received) | ${percentile(webhookLatencies, 50).toFixed(0)} / ${percentile(webhookLatencies, 99).toFixed(0)} / ${(webhookLatencies.at(-1) ?? Number.NaN).toFixed(0)} ms | p99 < 1,000 ms |`,
      ].join('\n');
    } finally {
      receiver.closeAllConnections();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
      await runtime.close();
      await db.drop();
      await deleteRedisPrefix(prefix);
    }
  },
};

export default benchmark;
