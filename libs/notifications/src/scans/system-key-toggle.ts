import { appendAudit, type EntityManager, setUserKeyEnabled } from '@byok/db';

/** Key ids are uuids; a budget's scope id that is none names no key (and must not fail a cast). */
const KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The owner of a key whose `enabled` the service changed, to announce to the proxies after the commit. */
export interface ToggledKey {
  keyId: string;
  userId: string;
}

/**
 * Enables or disables a key on the service's own account, through the owner's toggle (so an
 * administrator's disable is never lifted by it), and audits the change as the system with
 * `details` (which say why: `reason` and what caused it). Returns the key when `enabled` changed,
 * null when it already was so or there is no such key. Call it in the transaction that decided it.
 */
export async function setKeyEnabledBySystem(tx: EntityManager, keyId: string, enabled: boolean, details: Record<string, unknown>): Promise<ToggledKey | null> {
  if (!KEY_ID.test(keyId)) return null;
  const state = await setUserKeyEnabled(tx, { id: keyId }, enabled);
  if (state === null || !state.changed) return null;
  await appendAudit(tx, {
    actorId: 'system',
    actorType: 'system',
    action: enabled ? 'key.enabled' : 'key.disabled',
    subjectUserId: state.userId,
    provider: state.provider,
    keyId: state.id,
    details,
  });
  return { keyId: state.id, userId: state.userId };
}

/**
 * The `details` of the last enable or disable recorded for a key, and by which action; null when
 * there is none. The reset of a `disable_key` budget reads it to tell its own disable from the
 * owner's hand.
 */
export async function lastKeyToggle(tx: EntityManager, keyId: string): Promise<{ action: string; details: Record<string, unknown> } | null> {
  if (!KEY_ID.test(keyId)) return null;
  // Through the (subject, action) index: the key's owner first, then the key's records among theirs.
  const rows = await tx.execute<Array<{ action: string; details: Record<string, unknown> | null }>>(
    `SELECT a.action, a.details FROM audit_log a
     WHERE a.subject_user_id = (SELECT user_id FROM user_provider_keys WHERE id = ?::uuid) AND a.action IN ('key.enabled', 'key.disabled') AND a.key_id = ?::uuid
     ORDER BY a.id DESC LIMIT 1`,
    [keyId, keyId],
  );
  const row = rows[0];
  return row === undefined ? null : { action: row.action, details: row.details ?? {} };
}
