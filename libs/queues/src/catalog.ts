import type { JobsOptions } from 'bullmq';
import type { TSchema } from 'typebox';
import { withTestToken } from './key-test-token.js';
import { KeyTestJobSchema, MaintenanceJobSchema, UsageBatchSchema, type KeyTestJob, type MaintenanceJob, type UsageBatch } from './job-schemas.js';
import { NotificationJobSchema, type NotificationJob } from './job-schemas.js';
import { WebhookDeliveryJobSchema, type WebhookDeliveryJob } from './job-schemas.js';

/** One queue: its name, the schema every payload must pass, and its default job options. */
export interface QueueDefinition<Payload> {
  name: string;
  schema: TSchema;
  defaultJobOptions: JobsOptions;
  /** Completes a payload before it is checked and added (e.g. stamps a per-job token). */
  prepare?: (payload: Payload) => Payload;
  /** Phantom field tying the definition to its payload type; never set. */
  readonly payloadType?: Payload;
}

/**
 * Every queue in the system, declared once. Producers and consumers both read from here, so a
 * payload shape or retry policy cannot drift between them.
 */
export const QUEUES = {
  keyTests: {
    name: 'key-tests',
    schema: KeyTestJobSchema,
    prepare: withTestToken,
    defaultJobOptions: {
      attempts: 5,
      // `provider` honours a retry-after from the provider; see the worker's backoff strategy.
      backoff: { type: 'provider', delay: 1000 },
      removeOnComplete: { age: 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
    },
  } satisfies QueueDefinition<KeyTestJob>,
  usageEvents: {
    name: 'usage-events',
    schema: UsageBatchSchema,
    defaultJobOptions: {
      attempts: 20,
      backoff: { type: 'exponential', delay: 500 },
      removeOnComplete: { age: 600, count: 5_000 },
      removeOnFail: { age: 30 * 24 * 3600 },
    },
  } satisfies QueueDefinition<UsageBatch>,
  maintenance: {
    name: 'maintenance',
    schema: MaintenanceJobSchema,
    defaultJobOptions: {
      attempts: 10,
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: { age: 24 * 3600, count: 1000 },
      removeOnFail: { age: 30 * 24 * 3600 },
    },
  } satisfies QueueDefinition<MaintenanceJob>,
  notifications: {
    name: 'notifications',
    schema: NotificationJobSchema,
    // The job id is derived from the outbox ids it names (set by the drainer), so re-draining the
    // same rows adds no second job while the first is kept (a day). Every channel is idempotent
    // per event id, so a retry, or a re-drain that grouped the rows differently, re-delivers nothing.
    // A job failed after its attempts is moved back to waiting every 5 minutes by the notifier
    // (its rows are stamped dispatched, so no drain would send them again); each new failure keeps it 30 days more.
    defaultJobOptions: {
      attempts: 10,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: 24 * 3600, count: 10_000 },
      removeOnFail: { age: 30 * 24 * 3600 },
    },
  } satisfies QueueDefinition<NotificationJob>,
  webhookDeliveries: {
    name: 'webhook-deliveries',
    schema: WebhookDeliveryJobSchema,
    defaultJobOptions: {
      // The 24 h retry window, not this count, ends a delivery's retries (see @byok/notifications/webhooks);
      // the count only has to be larger than the attempts that window holds (about 30).
      attempts: 100,
      // `webhook` is the delivery worker's own strategy: the delay the processor chose and recorded.
      backoff: { type: 'webhook', delay: 10_000 },
      removeOnComplete: { age: 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
    },
  } satisfies QueueDefinition<WebhookDeliveryJob>,
} as const;

export type QueueKey = keyof typeof QUEUES;
interface PayloadByQueue {
  keyTests: KeyTestJob;
  usageEvents: UsageBatch;
  maintenance: MaintenanceJob;
  notifications: NotificationJob;
  webhookDeliveries: WebhookDeliveryJob;
}
export type PayloadOf<K extends QueueKey> = PayloadByQueue[K];
