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

/** What the webhook work (`libs/notifications/src/webhooks`) offers: one call per event, idempotent per event id. */
export interface WebhookEnqueuer {
  enqueueFor(event: NotificationEvent): Promise<void>;
}

/** The webhook channel over the webhook work's enqueuer. */
export function webhookChannel(enqueuer: WebhookEnqueuer): NotificationChannel {
  return {
    name: 'webhook',
    async deliver(events) {
      await Promise.all(events.map((event) => enqueuer.enqueueFor(event)));
    },
  };
}
