import { executeRedacted, type EntityManager } from '@byok/db';
import { isoColumn } from './sql-time.js';

/** A webhook as its owner sees it; the signing secret stays in the table. */
export interface WebhookRow {
  id: string;
  userId: string;
  url: string;
  events: string[];
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

// A type, not an interface: `executeRedacted` wants rows assignable to Record<string, unknown>.
type Row = {
  id: string;
  user_id: string;
  url: string;
  events: string[];
  enabled: boolean;
  created_at: string;
  updated_at: string;
};

const COLUMNS = `id, user_id, url, events, enabled, ${isoColumn('created_at')}, ${isoColumn('updated_at')}`;
// Arrays go in as JSON: MikroORM inlines values into the statement, and a JSON string is the one
// array form it quotes safely.
const EVENTS_PARAM = 'ARRAY(SELECT jsonb_array_elements_text(?::jsonb))';

const toWebhook = (row: Row): WebhookRow => ({
  id: row.id,
  userId: row.user_id,
  url: row.url,
  events: row.events,
  enabled: row.enabled,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/**
 * Counts the user's webhooks with their rows locked, inside the caller's transaction, so two
 * concurrent creations cannot both pass the per-user limit.
 */
export async function lockAndCountWebhooks(em: EntityManager, userId: string): Promise<number> {
  const rows = await em.execute<Array<{ id: string }>>('SELECT id FROM webhooks WHERE user_id = ? FOR UPDATE', [userId]);
  return rows.length;
}

/** URL and ciphertext stay out of error messages (a URL may carry the receiver's own token). */
export async function insertWebhook(em: EntityManager, input: { userId: string; url: string; events: readonly string[]; enabled: boolean; secretEncrypted: string }): Promise<WebhookRow> {
  const rows = await executeRedacted<Row[]>(
    em,
    `INSERT INTO webhooks (user_id, url, events, enabled, secret_encrypted) VALUES (?, ?, ${EVENTS_PARAM}, ?, ?) RETURNING ${COLUMNS}`,
    [input.userId, input.url, JSON.stringify(input.events), input.enabled, input.secretEncrypted],
  );
  return toWebhook(rows[0] as Row);
}

export async function listWebhooks(em: EntityManager, userId: string): Promise<WebhookRow[]> {
  const rows = await em.execute<Row[]>(`SELECT ${COLUMNS} FROM webhooks WHERE user_id = ? ORDER BY created_at, id`, [userId]);
  return rows.map(toWebhook);
}

/** The user's webhook, or null when there is none with this id or it belongs to someone else. */
export async function findWebhook(em: EntityManager, userId: string, id: string): Promise<WebhookRow | null> {
  const rows = await em.execute<Row[]>(`SELECT ${COLUMNS} FROM webhooks WHERE id = ? AND user_id = ?`, [id, userId]);
  return rows[0] ? toWebhook(rows[0]) : null;
}

/** Changes the given fields of the user's webhook; null when it is not theirs. */
export async function updateWebhook(em: EntityManager, userId: string, id: string, patch: { url?: string; events?: readonly string[]; enabled?: boolean }): Promise<WebhookRow | null> {
  const rows = await executeRedacted<Row[]>(
    em,
    `UPDATE webhooks SET
       url = COALESCE(?, url),
       events = CASE WHEN ?::jsonb IS NULL THEN events ELSE ${EVENTS_PARAM} END,
       enabled = COALESCE(?, enabled),
       updated_at = now()
     WHERE id = ? AND user_id = ? RETURNING ${COLUMNS}`,
    [patch.url ?? null, patch.events ? JSON.stringify(patch.events) : null, patch.events ? JSON.stringify(patch.events) : null, patch.enabled ?? null, id, userId],
  );
  return rows[0] ? toWebhook(rows[0]) : null;
}

/** Deletes the user's webhook and, with it, its delivery log; null when it is not theirs. */
export async function deleteWebhook(em: EntityManager, userId: string, id: string): Promise<WebhookRow | null> {
  const rows = await em.execute<Row[]>(`DELETE FROM webhooks WHERE id = ? AND user_id = ? RETURNING ${COLUMNS}`, [id, userId]);
  return rows[0] ? toWebhook(rows[0]) : null;
}
