import type { Orm } from '@byok/db';
import type { NotificationChannel } from './channel.js';

/**
 * The page's list: one `notifications` row per event, whose id is the event id, so a repeated
 * delivery inserts nothing (`ON CONFLICT DO NOTHING`). One statement per batch of events.
 */
export function createInPageChannel(deps: { orm: Orm }): NotificationChannel {
  return {
    name: 'in_page',
    async deliver(events) {
      if (events.length === 0) return;
      await deps.orm.em.fork().execute(
        `INSERT INTO notifications (id, user_id, type, title, message, action, link, subject, created_at)
         SELECT r.id, r.user_id, r.type, left(r.title, 200), r.message, r.action, left(r.link, 500), r.subject, r.created_at
         FROM jsonb_to_recordset(?::jsonb) AS r(id uuid, user_id varchar, type varchar, title text, message text, action text, link text, subject jsonb, created_at timestamptz)
         ON CONFLICT (id) DO NOTHING`,
        [
          JSON.stringify(
            events.map((e) => ({ id: e.id, user_id: e.userId, type: e.type, title: e.title, message: e.message, action: e.action, link: e.link, subject: e.subject, created_at: e.occurredAt })),
          ),
        ],
      );
    },
  };
}
