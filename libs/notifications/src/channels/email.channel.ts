import type { Orm } from '@byok/db';
import type { NotificationChannel } from './channel.js';

/**
 * Queues events for email: one `notification_emails` row per event (the event id is its key, so a
 * repeated delivery adds nothing), only for owners whose address is known. The email sender sends
 * the rows, several at once as a digest, and marks them sent.
 */
export function createEmailChannel(deps: { orm: Orm }): NotificationChannel {
  return {
    name: 'email',
    async deliver(events) {
      if (events.length === 0) return;
      await deps.orm.em.fork().execute(
        `INSERT INTO notification_emails (event_id, user_id)
         SELECT r.event_id, r.user_id FROM jsonb_to_recordset(?::jsonb) AS r(event_id uuid, user_id varchar)
         JOIN notification_recipients a ON a.user_id = r.user_id
         ON CONFLICT (event_id) DO NOTHING`,
        [JSON.stringify(events.map((e) => ({ event_id: e.id, user_id: e.userId })))],
      );
    },
  };
}
