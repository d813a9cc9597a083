import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@byok/db';
import type { NotificationEvent } from '../event.js';
import { dedupeKeyFor } from './dedupe-key.js';

/** An event as its producer describes it; `emitNotifications` gives it its id (and time, if unset). */
export type NotificationDraft = Omit<NotificationEvent, 'id' | 'occurredAt'> & {
  occurredAt?: string;
  /** Narrows the dedupe rule within the subject (see `dedupeKeyFor`). */
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
}

/**
 * The outbox row of a draft, for a writer that must insert it inside one statement of its own
 * (the key-test worker writes a verdict, its audit record and its event in one statement). Such
 * a writer inserts `(id, user_id, type, payload, dedupe_key)` with `ON CONFLICT (dedupe_key) DO
 * NOTHING`, exactly as `emitNotifications` does.
 */
export function outboxRowFor(draft: NotificationDraft, now = new Date().toISOString()): OutboxRow {
  const { dedupeScope, ...rest } = draft;
  const event: NotificationEvent = { ...rest, id: randomUUID(), occurredAt: draft.occurredAt ?? now };
  const dedupeKey = dedupeKeyFor({ ...event, ...(dedupeScope === undefined ? {} : { scope: dedupeScope }) });
  return { id: event.id, userId: event.userId, type: event.type, event, dedupeKey };
}

export interface EmittedNotification {
  event: NotificationEvent;
  /** False when an earlier event of the same kind, subject and period already stands for it. */
  emitted: boolean;
}

/**
 * Writes events into the outbox through the caller's entity manager. Call it inside the
 * transaction that makes the change the events report: the rows commit with the change, or vanish
 * with its rollback, so a committed change notifies once and a rolled-back one never does. One
 * statement for any number of events; duplicates within their period are dropped by the unique
 * dedupe key (`ON CONFLICT DO NOTHING`), which also holds between concurrent transactions.
 */
export async function emitNotifications(em: EntityManager, drafts: readonly NotificationDraft[]): Promise<EmittedNotification[]> {
  if (drafts.length === 0) return [];
  const now = new Date().toISOString();
  const rows = drafts.map((draft) => outboxRowFor(draft, now));
  const inserted = await em.execute<Array<{ id: string }>>(
    `INSERT INTO notification_outbox (id, user_id, type, payload, dedupe_key)
     SELECT r.id, r.user_id, r.type, r.payload, r.dedupe_key
     FROM jsonb_to_recordset(?::jsonb) AS r(id uuid, user_id varchar, type varchar, payload jsonb, dedupe_key varchar)
     ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
    [JSON.stringify(rows.map(({ event, dedupeKey }) => ({ id: event.id, user_id: event.userId, type: event.type, payload: event, dedupe_key: dedupeKey })))],
  );
  const insertedIds = new Set(inserted.map((row) => row.id));
  return rows.map(({ event }) => ({ event, emitted: insertedIds.has(event.id) }));
}
