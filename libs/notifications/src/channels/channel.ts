import type { NotificationEvent } from '../event.js';
import type { NotificationChannelName } from '../preferences/preferences.js';

/**
 * One way of telling an owner. The notifier hands each channel the events its owners chose it for.
 * `deliver` must be idempotent per event id: the notifier calls it again for the same events after
 * a crash or a failed attempt, and each channel must then add nothing it already delivered.
 */
export interface NotificationChannel {
  readonly name: NotificationChannelName;
  deliver(events: readonly NotificationEvent[]): Promise<void>;
}

/** What the webhook work (`libs/notifications/src/webhooks`) offers, idempotent per event id. */
export interface WebhookEnqueuer {
  /** The owners among these who have an enabled webhook subscribed to one of the types: one query for a whole batch. */
  subscribedOwners(events: readonly NotificationEvent[]): Promise<Set<string>>;
  enqueueFor(event: NotificationEvent): Promise<void>;
}

/**
 * The webhook channel over the webhook work's enqueuer. Most owners have no webhook, so one query
 * per batch picks the events that have somewhere to go before any per-event work is done.
 */
export function webhookChannel(enqueuer: WebhookEnqueuer): NotificationChannel {
  return {
    name: 'webhook',
    async deliver(events) {
      const owners = await enqueuer.subscribedOwners(events);
      if (owners.size === 0) return;
      await Promise.all(events.filter((event) => owners.has(event.userId)).map((event) => enqueuer.enqueueFor(event)));
    },
  };
}
