import { Worker, type WorkerOptions } from 'bullmq';
import type { Orm } from '@byok/db';
import { createBlockingConnection, QUEUES, type RunningWorker } from '@byok/queues';
import { createDeliveryProcessor, type DeliveryResult } from './delivery.processor.js';
import { createOutboundAgent, type AddressPolicy, type ResolveHost } from './outbound-agent.js';
import { DEFAULT_RETRY_SCHEDULE, webhookBackoff, type RetrySchedule } from './retry-schedule.js';
import { postWebhook } from './webhook-sender.js';

interface WorkerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface WebhookDeliveryWorkerDeps {
  orm: Orm;
  /** The configured keyring (only `decrypt` is used, to open signing secrets). */
  keyring: { decrypt(token: string): string };
  logger: WorkerLogger;
  redisUrl: string;
  redisPrefix: string;
  /** NODE_ENV=production: deliveries go to https URLs only. */
  production: boolean;
  /** `config.webhooks`: WEBHOOK_ALLOW_PRIVATE, WEBHOOK_TIMEOUT_MS, WEBHOOK_CONCURRENCY. */
  webhooks: { allowPrivate: boolean; timeoutMs: number; concurrency: number };
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  telemetry?: WorkerOptions['telemetry'];
  /** Defaults to 24 hours of exponential backoff; tests shorten it. */
  retrySchedule?: RetrySchedule;
  /** Replace DNS or the address rule (tests); see `createOutboundAgent`. */
  outbound?: { resolve?: ResolveHost; addressPolicy?: AddressPolicy };
}

/**
 * Starts the consumer of the `webhook-deliveries` queue, which the notifier process runs. Each job
 * is one attempt of one delivery (see `createDeliveryProcessor`); every POST goes through one
 * outbound agent that enforces the address rules where it connects. `close()` lets running
 * attempts finish (each is bounded by WEBHOOK_TIMEOUT_MS), then releases connections.
 */
export function startWebhookDeliveryWorker(deps: WebhookDeliveryWorkerDeps): RunningWorker {
  const schedule = deps.retrySchedule ?? DEFAULT_RETRY_SCHEDULE;
  const agent = createOutboundAgent({
    allowPrivate: deps.webhooks.allowPrivate,
    connectTimeoutMs: deps.webhooks.timeoutMs,
    // As many as may be in flight, so deliveries to one busy receiver do not queue behind each other.
    connectionsPerOrigin: deps.webhooks.concurrency,
    ...deps.outbound,
  });
  const processor = createDeliveryProcessor({
    orm: deps.orm,
    decryptSecret: (token) => deps.keyring.decrypt(token),
    send: (post) => postWebhook(post, { dispatcher: agent, timeoutMs: deps.webhooks.timeoutMs, httpsOnly: deps.production }),
    schedule,
  });
  const connection = createBlockingConnection(deps.redisUrl);
  connection.on('error', (err: Error) => deps.logger.debug({ err: { message: err.message } }, 'webhook worker redis connection error'));
  const worker = new Worker<{ deliveryId: string }, DeliveryResult>(QUEUES.webhookDeliveries.name, processor, {
    connection,
    prefix: deps.redisPrefix,
    concurrency: deps.webhooks.concurrency,
    lockDuration: deps.lockDurationMs ?? 30_000,
    stalledInterval: deps.stalledIntervalMs ?? 30_000,
    telemetry: deps.telemetry,
    settings: { backoffStrategy: webhookBackoff(schedule) },
  });
  // Ids and outcomes only: a URL can carry the receiver's own token, so it is never logged.
  worker.on('completed', (job, result) => deps.logger.debug({ delivery_id: job.data.deliveryId, result }, 'webhook delivery done'));
  worker.on('failed', (job, err) => deps.logger.info({ delivery_id: job?.data.deliveryId, attempt: job?.attemptsMade, error: err.message }, 'webhook delivery attempt failed'));
  worker.on('error', (err) => deps.logger.error({ err: { name: err.name, message: err.message } }, 'webhook worker error'));
  // Closing twice (a stop racing a failed start) must not close the agent twice: undici throws then.
  let closed: Promise<void> | undefined;
  return {
    worker: worker as unknown as Worker,
    close() {
      closed ??= (async () => {
        await worker.close();
        connection.disconnect();
        await agent.close();
      })();
      return closed;
    },
  };
}
