import type { Orm } from '@byok/db';
import { keyEventDraft } from '../key-events.js';
import { emitNotifications, type NotificationDraft } from '../outbox/emit.js';

/** Days before `expires_at` at which the owner is reminded. */
export const EXPIRY_REMINDER_DAYS = [14, 7, 1] as const;

interface ReminderRow {
  id: string;
  user_id: string;
  provider: string;
  label: string | null;
  expires_at: Date | string | null;
  key_set_at: Date | string;
  key_version: number;
  /** Smallest reminder threshold the key has crossed, or null. */
  expiry_threshold: number | null;
  age_days: number;
  rotation_due: boolean;
}

/**
 * Emits `key_expiring` (14, 7 and 1 days before `expires_at`) and `key_rotation_due` (key text
 * older than `rotationReminderDays`; 0 means never, so no key is judged by its age) for enabled
 * keys. Safe to run often and from several
 * notifiers: each reminder's dedupe key names the key, the threshold (or key version) and the
 * expiry date, so it is emitted once. A key first seen 3 days before its expiry gets only the
 * 7-day reminder, not the 14-day one as well. Returns the number of events emitted.
 */
export async function scanKeyReminders(orm: Orm, options: { rotationReminderDays: number; now?: Date }): Promise<number> {
  const now = options.now ?? new Date();
  const thresholds = [...EXPIRY_REMINDER_DAYS].sort((a, b) => a - b);
  return orm.em.fork().transactional(async (em) => {
    const rows = await em.execute<ReminderRow[]>(
      `SELECT id, user_id, provider, label, expires_at, key_set_at, key_version,
         (SELECT min(t) FROM unnest(?::int[]) AS t WHERE expires_at > ?::timestamptz AND expires_at <= ?::timestamptz + make_interval(days => t)) AS expiry_threshold,
         floor(extract(epoch FROM (?::timestamptz - key_set_at)) / 86400)::int AS age_days,
         (?::int > 0 AND key_set_at <= ?::timestamptz - make_interval(days => ?)) AS rotation_due
       FROM user_provider_keys
       WHERE COALESCE(enabled, TRUE)
         AND ((expires_at > ?::timestamptz AND expires_at <= ?::timestamptz + make_interval(days => ?)) OR (?::int > 0 AND key_set_at <= ?::timestamptz - make_interval(days => ?)))`,
      [
        `{${thresholds.join(',')}}`,
        now.toISOString(),
        now.toISOString(),
        now.toISOString(),
        options.rotationReminderDays,
        now.toISOString(),
        options.rotationReminderDays,
        now.toISOString(),
        now.toISOString(),
        thresholds.at(-1),
        options.rotationReminderDays,
        now.toISOString(),
        options.rotationReminderDays,
      ],
    );
    const drafts: NotificationDraft[] = [];
    const occurredAt = now.toISOString();
    for (const row of rows) {
      const key = { keyId: row.id, userId: row.user_id, provider: row.provider, label: row.label };
      if (row.expiry_threshold !== null && row.expires_at !== null) {
        const expiresAt = new Date(row.expires_at).toISOString();
        drafts.push(keyEventDraft('key_expiring', key, { occurredAt, details: { expiresAt, daysLeft: row.expiry_threshold }, dedupeScope: `${row.expiry_threshold}d:${expiresAt}` }));
      }
      if (row.rotation_due) {
        drafts.push(keyEventDraft('key_rotation_due', key, { occurredAt, details: { ageDays: row.age_days, keySetAt: new Date(row.key_set_at).toISOString() }, dedupeScope: `v${row.key_version}` }));
      }
    }
    const emitted = await emitNotifications(em, drafts);
    return emitted.filter((e) => e.emitted).length;
  });
}

/**
 * Deletes dispatched outbox rows older than `keepMs` (the longest dedupe period plus a margin: by
 * then their deliveries are done), and dedupe windows that have ended (they drop nothing any more).
 * Rows of pending emails are kept until sent; finished email rows (sent or refused) go with their event.
 */
export async function pruneOutbox(orm: Orm, keepMs: number): Promise<number> {
  return orm.em.fork().transactional(async (em) => {
    await em.execute('DELETE FROM notification_dedupe WHERE until < now()');
    const rows = await em.execute<Array<{ id: string }>>(
      `DELETE FROM notification_outbox o WHERE o.dispatched_at < now() - make_interval(secs => ?)
         AND NOT EXISTS (SELECT 1 FROM notification_emails e WHERE e.event_id = o.id AND e.sent_at IS NULL AND e.failed_at IS NULL)
       RETURNING o.id`,
      [keepMs / 1000],
    );
    if (rows.length > 0) {
      await em.execute('DELETE FROM notification_emails WHERE event_id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)', [JSON.stringify(rows.map((r) => r.id))]);
    }
    return rows.length;
  });
}
