import { appendAudit, type EntityManager, setUserKeyEnabled } from '@byok/db';
import { type KeyDisableCause, keyAutoDisabledDraft } from '../key-disabled-event.js';
import { emitNotifications } from '../outbox/emit.js';

/** Key ids are uuids; a budget's scope id that is none names no key (and must not fail a cast). */
const KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The owner of a key whose `enabled` the service changed, to announce to the proxies after the commit. */
export interface ToggledKey {
  keyId: string;
  userId: string;
}

/**
 * What the service does to a key: enable it again, or disable it for a `cause` its owner is told
 * about (`key_auto_disabled`). `details` say why in the audit record: `reason` and what caused it.
 */
export type SystemKeyChange = { enabled: true; details: Record<string, unknown> } | { enabled: false; details: Record<string, unknown>; cause: KeyDisableCause };

/**
 * Enables or disables a key on the service's own account, through the owner's toggle (so an
 * administrator's disable is never lifted by it), audits the change as the system and, for a
 * disable, tells the key's owner why. Returns the key when `enabled` changed, null when it already
 * was so or there is no such key. Call it in the transaction that decided it: the audit record and
 * the notification commit or roll back with the change.
 */
export async function setKeyEnabledBySystem(tx: EntityManager, keyId: string, change: SystemKeyChange): Promise<ToggledKey | null> {
  if (!KEY_ID.test(keyId)) return null;
  const { enabled, details } = change;
  const state = await setUserKeyEnabled(tx, { id: keyId }, enabled);
  if (state === null || !state.changed) return null;
  if (!change.enabled) await emitNotifications(tx, [keyAutoDisabledDraft({ keyId: state.id, userId: state.userId, provider: state.provider, label: state.label }, change.cause)]);
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
