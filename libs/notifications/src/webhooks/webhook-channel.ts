import type { NotificationEvent } from '../event.js';
import type { EntityManager, Orm } from '@byok/db';
import type { Producer } from '@byok/queues';
import { insertPendingDeliveries, reopenDelivery, type DeliveryRow } from './webhook-deliveries.repository.js';
import { DEFAULT_RETRY_SCHEDULE } from './retry-schedule.js';
import { findSubscribedWebhookIds } from './webhooks.repository.js';

export interface WebhookChannelDeps {
  orm: Orm;
  /** The `webhook-deliveries` producer (`runtime.producers.webhookDeliveries`). */
  producer: Producer<'webhookDeliveries'>;
  /** How long failed deliveries are retried (24 h unless a test shortens it). */
  retryWindowMs?: number;
}

/** Raised when a delivery cannot be redelivered now because an attempt of it is running. */
export class DeliveryInProgressError extends Error {
  override readonly name = 'DeliveryInProgressError';
}

/**
 * The webhook channel of the notification pipeline: turns an event into one delivery row per
 * subscribed webhook and one queue job per row (job id = delivery id, payload = the id only).
 * Every method is safe to call again after a failure: rows are unique per (webhook, event) and the
 * queue ignores a job id it already holds, so a retried call delivers nothing twice and drops nothing.
 */
export function createWebhookChannel(deps: WebhookChannelDeps) {
  const retryWindowMs = deps.retryWindowMs ?? DEFAULT_RETRY_SCHEDULE.windowMs;

  async function enqueue(deliveryIds: readonly string[]): Promise<void> {
    for (const deliveryId of deliveryIds) await deps.producer.enqueue({ deliveryId }, { jobId: deliveryId });
  }

  async function insertAndEnqueue(em: EntityManager, webhookIds: readonly string[], event: NotificationEvent): Promise<string[]> {
    const ids = await insertPendingDeliveries(em, { webhookIds, eventId: event.id, eventType: event.type, body: JSON.stringify(event), retryWindowMs });
    await enqueue(ids);
    return ids;
  }

  return {
    /**
     * Delivers an event to each enabled webhook of its owner subscribed to its type. Rejects with
     * `QueueUnavailableError` when Redis is away; calling again later enqueues what is missing.
     */
    async enqueueFor(event: NotificationEvent): Promise<void> {
      const em = deps.orm.em.fork();
      const webhookIds = await findSubscribedWebhookIds(em, event.userId, event.type);
      if (webhookIds.length > 0) await insertAndEnqueue(em, webhookIds, event);
    },

    /** Delivers an event to one webhook whatever it subscribes to ("send a test event"); returns the delivery id. */
    async enqueueTo(em: EntityManager, webhookId: string, event: NotificationEvent): Promise<string | undefined> {
      const [id] = await insertAndEnqueue(em, [webhookId], event);
      return id;
    },

    /**
     * Sends a delivery again with a fresh retry window, whatever its state. The row's earlier
     * attempts stay counted. Null when the delivery is not the webhook's.
     * @throws DeliveryInProgressError while an attempt of it is running.
     */
    async redeliver(em: EntityManager, webhookId: string, deliveryId: string): Promise<DeliveryRow | null> {
      const queue = deps.producer.queue;
      const existing = await queue.getJob(deliveryId);
      // A job that finished, failed or waits for a retry is replaced; a running one is left alone.
      if (existing && (await existing.isActive())) throw new DeliveryInProgressError('an attempt of this delivery is running; try again in a few seconds');
      if (existing) await existing.remove();
      const reopened = await reopenDelivery(em, webhookId, deliveryId, retryWindowMs);
      if (reopened) await enqueue([deliveryId]);
      return reopened;
    },
  };
}

export type WebhookChannel = ReturnType<typeof createWebhookChannel>;
