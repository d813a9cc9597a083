import type { DeliveryRow, WebhookRow } from '@byok/notifications/webhooks';

/** A webhook as its owner sees it (never its secret). */
export function toWebhookView(row: WebhookRow) {
  return { id: row.id, url: row.url, events: row.events, enabled: row.enabled, created_at: row.createdAt, updated_at: row.updatedAt };
}

/** One line of the delivery log. */
export function toDeliveryView(row: DeliveryRow) {
  return {
    id: row.id,
    event_id: row.eventId,
    event_type: row.eventType,
    status: row.status,
    attempts: row.attempts,
    last_response_code: row.lastResponseCode,
    last_response_excerpt: row.lastResponseExcerpt,
    last_error: row.lastError,
    last_attempt_at: row.lastAttemptAt,
    next_attempt_at: row.nextAttemptAt,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}
