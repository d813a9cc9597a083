import { randomUUID } from 'node:crypto';
import { claimNotificationDedupeSql, type EntityManager } from '@byok/db';
import type { NotificationEvent } from '../event.js';
import { dedupeRuleFor } from './dedupe-key.js';

/** An event as its producer describes it; `emitNotifications` gives it its id (and time, if unset). */
export type NotificationDraft = Omit<NotificationEvent, 'id' | 'occurredAt'> & {
  occurredAt?: string;
  /** Narrows the dedupe rule within the subject (see `dedupeRuleFor`). */
  dedupeScope?: string;
};

/** An outbox row as written: for writers that insert it within a statement of their own (see `outboxRowFor`). */
export interface OutboxRow {
  id: string;
  userId: string;
  type: NotificationEvent['type'];
  /** The event itself, stored as the row's payload. */
  event: NotificationEvent;
  dedupeKey: string;
  /** How long from the event's `occurredAt` it stands for `dedupeKey`; null: it is written whatever came before. */
  dedupeWindowMs: number | null;
}

/**
 * The outbox row of a draft, for a writer that must insert it inside one statement of its own
 * (the key-test worker writes a verdict, its audit record and its event in one statement). Such
 * a writer claims the dedupe window with `claimNotificationDedupeSql` (from `@byok/db`) and
 * inserts `(id, user_id, type, payload, dedupe_key)` only when the claim returned its key (or its
 * window is null), exactly as `emitNotifications` does.
 */
export function outboxRowFor(draft: NotificationDraft, now = new Date().toISOString()): OutboxRow {
  const { dedupeScope, ...rest } = draft;
  const event: NotificationEvent = { ...rest, id: randomUUID(), occurredAt: draft.occurredAt ?? now };
  const rule = dedupeRuleFor({ ...event, ...(dedupeScope === undefined ? {} : { scope: dedupeScope }) });
  return { id: event.id, userId: event.userId, type: event.type, event, dedupeKey: rule.key, dedupeWindowMs: rule.windowMs };
}

export interface EmittedNotification {
  event: NotificationEvent;
  /** False when an earlier event of the same kind, subject and scope within its window already stands for it. */
  emitted: boolean;
}

/**
 * Writes events into the outbox through the caller's entity manager. Call it inside the
 * transaction that makes the change the events report: the rows commit with the change, or vanish
 * with its rollback, so a committed change notifies once and a rolled-back one never does. One
 * statement for any number of events. An event whose dedupe key an earlier event holds within its
 * window is dropped (`claimNotificationDedupeSql`, exact between concurrent transactions too);
 * several events of one key in one call count as one, the earliest.
 */
export async function emitNotifications(em: EntityManager, drafts: readonly NotificationDraft[]): Promise<EmittedNotification[]> {
  if (drafts.length === 0) return [];
  const now = new Date().toISOString();
  const rows = drafts.map((draft) => outboxRowFor(draft, now));
  const inserted = await em.execute<Array<{ id: string }>>(
    `WITH input AS (
       SELECT r.*, row_number() OVER (PARTITION BY r.dedupe_key ORDER BY r.occurred_at, r.id) AS nth
       FROM jsonb_to_recordset(?::jsonb) AS r(id uuid, user_id varchar, type varchar, payload jsonb, dedupe_key varchar, occurred_at timestamptz, window_s double precision)
     ), claimed AS (
       ${claimNotificationDedupeSql('SELECT dedupe_key, occurred_at, occurred_at + make_interval(secs => window_s) FROM input WHERE window_s IS NOT NULL AND nth = 1')}
     )
     INSERT INTO notification_outbox (id, user_id, type, payload, dedupe_key)
     SELECT i.id, i.user_id, i.type, i.payload, i.dedupe_key FROM input i
     WHERE i.window_s IS NULL OR (i.nth = 1 AND i.dedupe_key IN (SELECT dedupe_key FROM claimed))
     RETURNING id`,
    [
      JSON.stringify(
        rows.map(({ event, dedupeKey, dedupeWindowMs }) => ({
          id: event.id,
          user_id: event.userId,
          type: event.type,
          payload: event,
          dedupe_key: dedupeKey,
          occurred_at: event.occurredAt,
          window_s: dedupeWindowMs === null ? null : dedupeWindowMs / 1000,
        })),
      ),
    ],
  );
  const insertedIds = new Set(inserted.map((row) => row.id));
  return rows.map(({ event }) => ({ event, emitted: insertedIds.has(event.id) }));
}
