import {
  createEmailChannel,
  createEmailSender,
  createInPageChannel,
  createNotificationDispatcher,
  createSmtpTransport,
  LONGEST_DEDUPE_PERIOD_MS,
  type NotificationChannel,
  pruneOutbox,
  scanFailingKeys,
  scanKeyReminders,
  startOutboxDrainer,
  webhookChannel,
} from '@byok/notifications';
import { createWebhookChannel, startWebhookDeliveryWorker } from '@byok/notifications/webhooks';
import { createKeyHealthReader } from '@byok/key-health';
import type { RunningWorker } from '@byok/queues';
import { probeDependencies, type Readiness, readinessOf, type Runtime, startPeriodicTask } from '@byok/runtime';
import { queueTelemetry } from '@byok/telemetry';
import { startBudgetScans } from './budget-scans.js';
import { createNotificationWorker } from './notification.worker.js';
import { RETRY_FAILED_NOTIFICATIONS_MS, retryFailedNotifications } from './retry-failed-notifications.js';

export interface StartNotifierOptions {
  /**
   * Channels beyond the page, email and webhooks (tests add failing or recording ones).
   * Each must be idempotent per event id.
   */
  extraChannels?: readonly NotificationChannel[];
  /** Jobs (each a batch of up to 500 events) in flight per process. */
  concurrency?: number;
  /** How often the email sender looks for due emails. */
  emailEveryMs?: number;
  /** How often failed notification jobs go back to waiting (`RETRY_FAILED_NOTIFICATIONS_MS`). */
  retryFailedEveryMs?: number;
}

/** A started notifier. */
export interface NotifierHandle {
  /** Stops draining, taking jobs, sending and scanning; lets what is in hand finish. The runtime stays open. */
  close(): Promise<void>;
  /** `down` without Redis or Postgres (nothing can be drained or delivered), else `ok`. */
  readiness(): Promise<Readiness>;
}

/** Pending emails wait at least this long, so events that arrive together leave in one email. */
const EMAIL_HOLD_MS = 1000;
/**
 * How often the proxies' key health is checked for keys failing longer than NOTIFY_FAILING_AFTER_S:
 * half an open circuit's 30 s, so a key that keeps re-opening its circuit is always seen blocked.
 */
const FAILING_SCAN_MS = 15_000;
/** Dispatched outbox rows are kept past the longest dedupe period by this margin before pruning. */
const PRUNE_MARGIN_MS = 5 * 24 * 3600_000;

/**
 * Starts the notification pipeline on a shared runtime: the outbox drainer, the `notifications`
 * queue worker (page, email, and any extra channel), the email sender (with digests), the retry
 * of failed notification jobs, and the periodic scans (expiry and rotation reminders, outbox
 * pruning, failing keys, budgets and spend anomalies).
 */
export async function startNotifier(runtime: Runtime, options: StartNotifierOptions = {}): Promise<NotifierHandle> {
  const { config, logger, orm } = runtime;
  const settings = config.notifier;
  const transport = settings.smtp ? createSmtpTransport(settings.smtp.url) : undefined;
  const webhooks = createWebhookChannel({ orm, producer: runtime.producers.webhookDeliveries });
  const channels: NotificationChannel[] = [
    createInPageChannel({ orm }),
    ...(transport ? [createEmailChannel({ orm })] : []),
    webhookChannel(webhooks),
    ...(options.extraChannels ?? []),
  ];
  const dispatcher = createNotificationDispatcher({ orm, channels });
  const worker: RunningWorker = createNotificationWorker({
    redisUrl: config.redisUrl,
    prefix: config.redisPrefix,
    concurrency: options.concurrency ?? 4,
    lockDurationMs: config.notifier.lockDurationMs,
    stalledIntervalMs: config.notifier.stalledIntervalMs,
    telemetry: queueTelemetry(),
    logger,
    dispatcher,
  });
  // Each webhook delivery is its own job, retried for 24 h, so a slow receiver never holds up the page or email.
  const deliveries = startWebhookDeliveryWorker({
    orm,
    keyring: runtime.keyring,
    logger,
    redisUrl: config.redisUrl,
    redisPrefix: config.redisPrefix,
    production: config.production,
    webhooks: config.webhooks,
    lockDurationMs: config.notifier.lockDurationMs,
    stalledIntervalMs: config.notifier.stalledIntervalMs,
    telemetry: queueTelemetry(),
  });
  const drainer = startOutboxDrainer({ orm, queue: runtime.producers.notifications.queue, logger });
  const sender = transport && settings.smtp
    ? createEmailSender({ orm, logger, transport, from: settings.smtp.from, baseUrl: config.publicUrl, digestWindowMs: settings.digestWindowS * 1000, holdMs: Math.min(EMAIL_HOLD_MS, settings.digestWindowS * 1000) })
    : undefined;
  const health = createKeyHealthReader({ redis: runtime.redis, keyPrefix: config.redisPrefix });
  const tasks = [
    startPeriodicTask({
      name: 'failing keys',
      everyMs: FAILING_SCAN_MS,
      run: async () => {
        if ((await scanFailingKeys(orm, health, { failingAfterS: settings.failingAfterS })) > 0) drainer.wake();
      },
      logger,
    }),
    startPeriodicTask({ name: 'notification emails', everyMs: sender ? (options.emailEveryMs ?? 500) : 0, run: () => sender?.sendDue() ?? Promise.resolve(0), logger }),
    startPeriodicTask({
      name: 'key reminders',
      everyMs: settings.scanIntervalS * 1000,
      run: async () => {
        const emitted = await scanKeyReminders(orm, { rotationReminderDays: settings.rotationReminderDays });
        if (emitted > 0) drainer.wake();
        await pruneOutbox(orm, LONGEST_DEDUPE_PERIOD_MS + PRUNE_MARGIN_MS);
      },
      logger,
    }),
    startPeriodicTask({
      name: 'failed notification jobs',
      everyMs: options.retryFailedEveryMs ?? RETRY_FAILED_NOTIFICATIONS_MS,
      run: () => retryFailedNotifications(runtime.producers.notifications.queue, logger),
      logger,
    }),
    ...startBudgetScans({ orm, redis: runtime.redis, redisPrefix: config.redisPrefix, settings, logger, wake: () => drainer.wake() }),
  ];
  const close = async (): Promise<void> => {
    await drainer.stop();
    await Promise.all(tasks.map((task) => task.stop()));
    await worker.close();
    await deliveries.close();
    transport?.close();
  };
  try {
    await Promise.all([worker.worker.waitUntilReady(), deliveries.worker.waitUntilReady()]);
  } catch (error) {
    await close();
    throw error;
  }
  logger.info({ channels: channels.map((c) => c.name), digestWindowS: settings.digestWindowS, scanIntervalS: settings.scanIntervalS }, 'notifier started');
  return {
    close,
    async readiness() {
      const dependencies = await probeDependencies({ orm, redis: runtime.redis });
      return readinessOf(
        { ...dependencies, worker: worker.worker.isRunning() ? 'ok' : 'down', webhooks: deliveries.worker.isRunning() ? 'ok' : 'down' },
        ['postgres', 'redis', 'worker', 'webhooks'],
      );
    },
  };
}
