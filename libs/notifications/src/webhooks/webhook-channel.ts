import type { NotificationEvent } from '../event.js';
import type { EntityManager, Orm } from '@byok/db';
import { QueueUnavailableError, type Producer } from '@byok/queues';
import { deleteUnsentDelivery, findDelivery, insertPendingDeliveries, reopenDelivery, type DeliveryRow } from './webhook-deliveries.repository.js';
import { DEFAULT_RETRY_SCHEDULE } from './retry-schedule.js';

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

  const deliveryOf = (event: NotificationEvent) => ({ eventId: event.id, eventType: event.type, body: JSON.stringify(event), retryWindowMs });

  async function enqueue(deliveryIds: readonly string[]): Promise<void> {
    for (const deliveryId of deliveryIds) await deps.producer.enqueue({ deliveryId }, { jobId: deliveryId });
  }

  return {
    async subscribedOwners(events: readonly NotificationEvent[]): Promise<Set<string>> {
      if (events.length === 0) return new Set();
      const rows = await deps.orm.em.fork().execute<Array<{ user_id: string }>>(
        'SELECT DISTINCT user_id FROM webhooks WHERE enabled AND user_id = ANY(?::varchar[]) AND events && ?::text[]',
        [toPgArray(events.map((e) => e.userId)), toPgArray(events.map((e) => e.type))],
      );
      return new Set(rows.map((r) => r.user_id));
    },

    /**
     * Delivers an event to each enabled webhook of its owner subscribed to its type. Rejects with
     * `QueueUnavailableError` when Redis is away; calling again later enqueues what is missing.
     */
    async enqueueFor(event: NotificationEvent): Promise<void> {
      const ids = await insertPendingDeliveries(deps.orm.em.fork(), { subscribersOf: { userId: event.userId, eventType: event.type } }, deliveryOf(event));
      await enqueue(ids);
    },

    /** Delivers an event to one webhook whatever it subscribes to ("send a test event"); returns the delivery id. */
    async enqueueTo(em: EntityManager, webhookId: string, event: NotificationEvent): Promise<string | undefined> {
      const [id] = await insertPendingDeliveries(em, { webhookId }, deliveryOf(event));
      if (id === undefined) return undefined;
      try {
        await enqueue([id]);
      } catch (error) {
        // Nobody retries a one-off event the caller was refused: leave no delivery waiting in the log for a job that does not exist.
        await deleteUnsentDelivery(em, id);
        throw error;
      }
      return id;
    },

    /**
     * Sends a delivery again with a fresh retry window, whatever its state. The row's earlier
     * attempts stay counted. Null when the delivery is not the webhook's.
     * @throws DeliveryInProgressError while an attempt of it is running.
     */
    async redeliver(em: EntityManager, webhookId: string, deliveryId: string): Promise<DeliveryRow | null> {
      // Checked before the queue is touched, so nobody can remove the job of a delivery that is not theirs.
      if (!(await findDelivery(em, webhookId, deliveryId))) return null;
      await removeSettledJob(deps.producer, deliveryId);
      const reopened = await reopenDelivery(em, webhookId, deliveryId, retryWindowMs);
      if (reopened) await enqueue([deliveryId]);
      return reopened;
    },
  };
}

export type WebhookChannel = ReturnType<typeof createWebhookChannel>;

/**
 * Removes the delivery's job when it finished, failed or waits for a retry, so a new one can take
 * its id; a job an attempt is running in is left alone (`DeliveryInProgressError`).
 */
async function removeSettledJob(producer: Producer<'webhookDeliveries'>, deliveryId: string): Promise<void> {
  const queue = producer.queue;
  try {
    const job = await queue.getJob(deliveryId);
    if (!job) return;
    if (await job.isActive()) throw new DeliveryInProgressError('an attempt of this delivery is running; try again in a few seconds');
    await job.remove();
  } catch (error) {
    if (error instanceof DeliveryInProgressError) throw error;
    // A job that turned active between the check and the removal is locked, and refuses removal.
    const active = await queue.getJob(deliveryId).then((job) => job?.isActive(), () => undefined);
    if (active) throw new DeliveryInProgressError('an attempt of this delivery is running; try again in a few seconds');
    throw new QueueUnavailableError(queue.name, { cause: error });
  }
}

/** A Postgres array literal of text values, quoted so user ids with commas, quotes or braces stay whole. */
function toPgArray(values: readonly string[]): string {
  return `{${[...new Set(values)].map((v) => `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}
