import { executeRedacted, type EntityManager } from '@byok/db';
import { isoColumn } from './sql-time.js';

export const DELIVERY_STATUSES = ['pending', 'retrying', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One line of a webhook's delivery log. */
export interface DeliveryRow {
  id: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  lastResponseCode: number | null;
  lastResponseExcerpt: string | null;
  lastError: string | null;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** What the delivery worker needs to make one attempt. */
export interface DeliveryTarget {
  id: string;
  webhookId: string;
  eventType: string;
  body: string;
  status: DeliveryStatus;
  url: string;
  secretEncrypted: string;
  webhookEnabled: boolean;
  /** Milliseconds since the epoch after which a failed attempt is not retried. */
  retryUntilMs: number;
}

/** Where a page of the log ends: the last row's exact creation time and id. */
export interface DeliveryPosition {
  createdAt: string;
  id: string;
}

interface Row {
  id: string;
  webhook_id: string;
  event_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempts: number;
  last_response_code: number | null;
  last_response_excerpt: string | null;
  last_error: string | null;
  last_attempt_at: string | null;
  next_attempt_at: string | null;
  created_at: string;
  updated_at: string;
}

const COLUMNS = [
  'id, webhook_id, event_id, event_type, status, attempts, last_response_code, last_response_excerpt, last_error',
  isoColumn('last_attempt_at'),
  isoColumn('next_attempt_at'),
  isoColumn('created_at'),
  isoColumn('updated_at'),
].join(', ');

const toDelivery = (row: Row): DeliveryRow => ({
  id: row.id,
  webhookId: row.webhook_id,
  eventId: row.event_id,
  eventType: row.event_type,
  status: row.status,
  attempts: row.attempts,
  lastResponseCode: row.last_response_code,
  lastResponseExcerpt: row.last_response_excerpt,
  lastError: row.last_error,
  lastAttemptAt: row.last_attempt_at,
  nextAttemptAt: row.next_attempt_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** Which webhooks an event goes to: the owner's enabled ones subscribed to its type, or one named webhook. */
export type DeliveryTargets = { subscribersOf: { userId: string; eventType: string } } | { webhookId: string };

/**
 * Records that an event is to be delivered to each target webhook, once per (webhook, event): a
 * second call for the same event adds nothing. Returns the ids of the event's deliveries to these
 * webhooks that no attempt has touched yet, including ones an earlier call inserted but did not
 * get onto the queue (the caller enqueues them; the queue drops a job id it already holds). One
 * statement: the notifier calls this once per event, so round trips count.
 */
export async function insertPendingDeliveries(
  em: EntityManager,
  targets: DeliveryTargets,
  input: { eventId: string; eventType: string; body: string; retryWindowMs: number },
): Promise<string[]> {
  const [targetSql, targetParams] =
    'webhookId' in targets
      ? ['SELECT id FROM webhooks WHERE id = ?', [targets.webhookId]]
      : ['SELECT id FROM webhooks WHERE user_id = ? AND enabled AND ? = ANY(events)', [targets.subscribersOf.userId, targets.subscribersOf.eventType]];
  // The outer SELECT reads the snapshot from before the INSERT, so the union is the new rows plus untouched older ones.
  const rows = await executeRedacted<Array<{ id: string }>>(
    em,
    `WITH targets AS (${targetSql}),
     inserted AS (
       INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, body, retry_until)
       SELECT id, ?, ?, ?, now() + ? * interval '1 millisecond' FROM targets
       ON CONFLICT (webhook_id, event_id) DO NOTHING
       RETURNING id
     )
     SELECT id FROM inserted
     UNION
     SELECT d.id FROM webhook_deliveries d JOIN targets t ON t.id = d.webhook_id WHERE d.event_id = ? AND d.status = 'pending' AND d.attempts = 0`,
    [...targetParams, input.eventId, input.eventType, input.body, input.retryWindowMs, input.eventId],
  );
  return rows.map((r) => r.id).sort();
}

/** The delivery with its webhook's URL and secret, or null when the webhook was deleted. */
export async function loadDeliveryTarget(em: EntityManager, deliveryId: string): Promise<DeliveryTarget | null> {
  const rows = await em.execute<
    Array<{ id: string; webhook_id: string; event_type: string; body: string; status: DeliveryStatus; url: string; secret_encrypted: string; enabled: boolean; retry_until_ms: string }>
  >(
    `SELECT d.id, d.webhook_id, d.event_type, d.body, d.status, w.url, w.secret_encrypted, w.enabled,
            (extract(epoch FROM d.retry_until) * 1000)::bigint AS retry_until_ms
     FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = ?`,
    [deliveryId],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    id: row.id,
    webhookId: row.webhook_id,
    eventType: row.event_type,
    body: row.body,
    status: row.status,
    url: row.url,
    secretEncrypted: row.secret_encrypted,
    webhookEnabled: row.enabled,
    retryUntilMs: Number(row.retry_until_ms),
  };
}

/** The result of one attempt, as the log shows it. */
export interface AttemptRecord {
  status: Exclude<DeliveryStatus, 'pending'>;
  responseCode: number | null;
  responseExcerpt: string | null;
  error: string | null;
  nextAttemptAt: Date | null;
}

/** Counts one more attempt and records its result. */
export async function recordDeliveryAttempt(em: EntityManager, deliveryId: string, attempt: AttemptRecord): Promise<void> {
  await executeRedacted(
    em,
    `UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, last_response_code = ?, last_response_excerpt = ?, last_error = ?,
       last_attempt_at = now(), next_attempt_at = ?, updated_at = now()
     WHERE id = ?`,
    [attempt.status, attempt.responseCode, attempt.responseExcerpt, attempt.error, attempt.nextAttemptAt?.toISOString() ?? null, deliveryId],
  );
}

/** Closes a delivery without an attempt (its webhook was disabled, or its secret cannot be opened). */
export async function closeDeliveryUnsent(em: EntityManager, deliveryId: string, reason: string): Promise<void> {
  await em.execute(`UPDATE webhook_deliveries SET status = 'failed', last_error = ?, next_attempt_at = NULL, updated_at = now() WHERE id = ?`, [reason, deliveryId]);
}

/** Removes a delivery no attempt has touched (its job could not be queued). */
export async function deleteUnsentDelivery(em: EntityManager, deliveryId: string): Promise<void> {
  await em.execute(`DELETE FROM webhook_deliveries WHERE id = ? AND attempts = 0 AND status = 'pending'`, [deliveryId]);
}

/** One page of a webhook's log, newest first, after `after` when given. */
export async function listDeliveries(em: EntityManager, webhookId: string, page: { after?: DeliveryPosition; limit: number }): Promise<DeliveryRow[]> {
  const after = page.after ? 'AND (created_at, id) < (?::timestamptz, ?::uuid)' : '';
  const params = page.after ? [webhookId, page.after.createdAt, page.after.id, page.limit] : [webhookId, page.limit];
  const rows = await em.execute<Row[]>(`SELECT ${COLUMNS} FROM webhook_deliveries WHERE webhook_id = ? ${after} ORDER BY created_at DESC, id DESC LIMIT ?`, params);
  return rows.map(toDelivery);
}

export async function findDelivery(em: EntityManager, webhookId: string, deliveryId: string): Promise<DeliveryRow | null> {
  const rows = await em.execute<Row[]>(`SELECT ${COLUMNS} FROM webhook_deliveries WHERE id = ? AND webhook_id = ?`, [deliveryId, webhookId]);
  return rows[0] ? toDelivery(rows[0]) : null;
}

/**
 * Puts a delivery back to `pending` with a fresh retry window, keeping its attempt count and last
 * result (the log keeps its history); null when it is not one of the webhook's.
 */
export async function reopenDelivery(em: EntityManager, webhookId: string, deliveryId: string, retryWindowMs: number): Promise<DeliveryRow | null> {
  const rows = await em.execute<Row[]>(
    `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = NULL, retry_until = now() + ? * interval '1 millisecond', updated_at = now()
     WHERE id = ? AND webhook_id = ? RETURNING ${COLUMNS}`,
    [retryWindowMs, deliveryId, webhookId],
  );
  return rows[0] ? toDelivery(rows[0]) : null;
}
