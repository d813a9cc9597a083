import type { EntityManager } from '@byok/db';
import { emitNotifications, keyEventDraft } from '@byok/notifications';

/**
 * Nothing in the gateway disables a key by itself today; the one disable its owner did not make is
 * an administrator's, which the owner cannot lift. The owner hears of it as `key_auto_disabled`
 * (disabled by the service), with the administrator's reason. Call it in the transaction of the
 * disable, so a disable that rolls back notifies nobody.
 */
export async function notifyAdminDisable(tx: EntityManager, key: { id: string; userId: string; provider: string }, reason: string | null): Promise<void> {
  await emitNotifications(tx, [keyEventDraft('key_auto_disabled', { keyId: key.id, userId: key.userId, provider: key.provider, label: null }, { details: { reason: reason ?? '' } })]);
}
