import type { EntityManager } from '@byok/db';

/**
 * Stores the email address from a user's verified token, for the email channel. Writes only when
 * the address is new or changed (the `WHERE` of the upsert), so calling it on every request costs
 * one indexed lookup and no row version; callers still keep it off the request path.
 */
export async function recordRecipientEmail(em: EntityManager, userId: string, email: string): Promise<void> {
  await em.execute(
    `INSERT INTO notification_recipients (user_id, email, updated_at) VALUES (?, ?, now())
     ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, updated_at = now() WHERE notification_recipients.email IS DISTINCT FROM EXCLUDED.email`,
    [userId, email],
  );
}
