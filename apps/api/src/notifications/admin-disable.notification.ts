import type { EntityManager } from '@byok/db';
import { emitNotifications, keyAutoDisabledDraft } from '@byok/notifications';

/**
 * An administrator's disable is the one the owner cannot lift, so the owner hears of it as
 * `key_auto_disabled` (disabled by the service), naming the key and the administrator's reason.
 * Call it in the transaction of the disable, so a disable that rolls back notifies nobody.
 */
export async function notifyAdminDisable(tx: EntityManager, key: { id: string; userId: string; provider: string; label: string }, reason: string | null): Promise<void> {
  await emitNotifications(tx, [keyAutoDisabledDraft({ keyId: key.id, userId: key.userId, provider: key.provider, label: key.label }, { kind: 'admin', reason })]);
}
