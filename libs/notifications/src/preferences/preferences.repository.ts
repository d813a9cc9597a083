import type { EntityManager } from '@byok/db';
import { effectivePreferences, storedDifferences, type NotificationPreferences, type StoredPreferences } from './preferences.js';

/** A user's effective preferences (the defaults when they never chose). */
export async function readPreferences(em: EntityManager, userId: string): Promise<NotificationPreferences> {
  const rows = await em.execute<Array<{ channels: StoredPreferences }>>('SELECT channels FROM notification_preferences WHERE user_id = ?', [userId]);
  return effectivePreferences(rows[0]?.channels);
}

/**
 * Merges `changes` into the user's stored choices (types and channels not named keep theirs) and
 * returns the effective result. The row keeps only choices that differ from the defaults.
 */
export async function updatePreferences(em: EntityManager, userId: string, changes: StoredPreferences): Promise<NotificationPreferences> {
  return em.transactional(async (tx) => {
    // The row exists before it is locked, so two first-time updates queue on the lock instead of
    // both reading "nothing stored" and the later one dropping the earlier one's choices.
    await tx.execute(`INSERT INTO notification_preferences (user_id, channels) VALUES (?, '{}'::jsonb) ON CONFLICT (user_id) DO NOTHING`, [userId]);
    const rows = await tx.execute<Array<{ channels: StoredPreferences }>>('SELECT channels FROM notification_preferences WHERE user_id = ? FOR UPDATE', [userId]);
    const merged = effectivePreferences(rows[0]?.channels);
    for (const [type, choices] of Object.entries(changes) as Array<[keyof StoredPreferences, StoredPreferences[keyof StoredPreferences]]>) {
      if (choices) merged[type] = { ...merged[type], ...choices };
    }
    const stored = storedDifferences(merged);
    await tx.execute(
      `UPDATE notification_preferences SET channels = ?::jsonb, updated_at = now() WHERE user_id = ?`, [JSON.stringify(stored), userId]
    );
    return effectivePreferences(stored);
  });
}
