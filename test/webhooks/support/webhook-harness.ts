import { createKeyring, type Keyring } from '@byok/crypto';
import type { NotificationEvent, NotificationEventType } from '@byok/notifications';
import {
  createWebhookChannel,
  generateWebhookSecret,
  insertWebhook,
  listDeliveries,
  startWebhookDeliveryWorker,
  type DeliveryRow,
  type WebhookChannel,
  type WebhookDeliveryWorkerDeps,
} from '@byok/notifications/webhooks';
import { createProducerConnection, createProducers, type Producers, type RunningWorker } from '@byok/queues';
import { createLogger } from '@byok/telemetry';
import type { Redis } from 'ioredis';
import { deleteRedisPrefix } from '../../support/redis-cleanup.js';
import { testServiceUrls, uniqueTestName } from '../../support/services.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';

/** The Fernet test key from the public spec vectors (as in the API harness); protects nothing. */
const TEST_ENCRYPTION_KEY = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=';

/** Retries within a test's patience: 40 ms, 80 ms, 100 ms … for 10 s. */
export const FAST_RETRIES = { firstDelayMs: 40, maxDelayMs: 100, windowMs: 10_000 };

export interface WebhookHarnessOptions {
  allowPrivate: boolean;
  timeoutMs?: number;
  production?: boolean;
  retrySchedule?: WebhookDeliveryWorkerDeps['retrySchedule'];
  outbound?: WebhookDeliveryWorkerDeps['outbound'];
}

export interface WebhookHarness {
  db: TestDatabase;
  keyring: Keyring;
  producers: Producers;
  /** The producers' fail-fast Redis connection, for outage tests. */
  connection: Redis;
  channel: WebhookChannel;
  worker: RunningWorker;
  /** Saves a webhook straight into the table (the API's URL check is not what these tests are about). */
  createWebhook(input: { userId: string; url: string; events?: NotificationEventType[]; enabled?: boolean }): Promise<{ id: string; secret: string }>;
  event(userId: string, type?: NotificationEventType): NotificationEvent;
  deliveries(webhookId: string): Promise<DeliveryRow[]>;
  /** Polls the webhook's deliveries until `done` holds for them; fails after 15 s. */
  waitFor(webhookId: string, done: (rows: DeliveryRow[]) => boolean): Promise<DeliveryRow[]>;
  close(): Promise<void>;
}

/**
 * Brings a connection that a test cut with `disconnect()` back to `ready`. The cut finishes
 * asynchronously (its `end` can land after a reconnect began, ending that too), so this waits for
 * `end`, reconnects, and returns once the connection has stayed ready for a moment.
 */
export async function reconnectRedis(redis: Redis): Promise<void> {
  let readySince: number | undefined;
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
    if (redis.status === 'end') await redis.connect().catch(() => undefined);
    readySince = redis.status === 'ready' ? (readySince ?? Date.now()) : undefined;
    if (readySince !== undefined && Date.now() - readySince >= 100) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`redis did not come back (status ${redis.status})`);
}

/** A database, a queue prefix, the webhook channel and a running delivery worker, for one test file. */
export async function startWebhookHarness(label: string, options: WebhookHarnessOptions): Promise<WebhookHarness> {
  const db = await createTestDatabase(label);
  const redisPrefix = uniqueTestName(label);
  const { redisUrl } = testServiceUrls();
  const keyring = createKeyring([TEST_ENCRYPTION_KEY]);
  const connection = createProducerConnection(redisUrl);
  // A producer connection keeps no offline queue: wait until it is up before the first enqueue.
  if (connection.status !== 'ready') await new Promise((resolve) => connection.once('ready', resolve));
  const producers = createProducers({ connection, prefix: redisPrefix });
  const retrySchedule = options.retrySchedule ?? FAST_RETRIES;
  const channel = createWebhookChannel({ orm: db.orm, producer: producers.webhookDeliveries, retryWindowMs: retrySchedule.windowMs });
  const worker = startWebhookDeliveryWorker({
    orm: db.orm,
    keyring,
    logger: createLogger({ level: 'silent', name: 'webhooks-test' }),
    redisUrl,
    redisPrefix,
    production: options.production ?? false,
    webhooks: { allowPrivate: options.allowPrivate, timeoutMs: options.timeoutMs ?? 5_000, concurrency: 8 },
    retrySchedule,
    ...(options.outbound ? { outbound: options.outbound } : {}),
  });
  let events = 0;
  const deliveries = (webhookId: string) => listDeliveries(db.orm.em.fork(), webhookId, { limit: 100 });
  return {
    db,
    keyring,
    producers,
    connection,
    channel,
    worker,
    async createWebhook(input) {
      const secret = generateWebhookSecret();
      const row = await insertWebhook(db.orm.em.fork(), {
        userId: input.userId,
        url: input.url,
        events: input.events ?? ['key_invalid', 'test'],
        enabled: input.enabled ?? true,
        secretEncrypted: keyring.encrypt(secret),
      });
      return { id: row.id, secret };
    },
    event(userId, type = 'key_invalid') {
      events += 1;
      return {
        id: `evt-${Date.now()}-${events}`,
        type,
        userId,
        occurredAt: new Date().toISOString(),
        subject: { kind: 'key', keyId: '00000000-0000-4000-8000-000000000001', provider: 'openai', label: 'work' },
        title: 'Your OpenAI key stopped working',
        message: 'OpenAI refused the key (401).',
        action: 'Replace the key in the page.',
        link: '/#keys/openai',
      };
    },
    deliveries,
    async waitFor(webhookId, done) {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const rows = await deliveries(webhookId);
        if (done(rows)) return rows;
        if (Date.now() > deadline) throw new Error(`deliveries never reached the expected state: ${JSON.stringify(rows)}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async close() {
      await worker.close();
      await producers.close();
      connection.disconnect();
      await deleteRedisPrefix(redisPrefix);
      await db.drop();
    },
  };
}
