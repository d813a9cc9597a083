import type { Orm } from '@byok/db';
import { NOTIFICATION_EVENT_TYPES, type NotificationEvent } from '../event.js';
import { effectivePreferences, type StoredPreferences } from '../preferences/preferences.js';
import type { NotificationChannel } from './channel.js';

export interface NotificationDispatcher {
  /**
   * Delivers the outbox events with these ids to every channel their owners chose. Ids without an
   * outbox row (pruned long after delivery) are skipped. Throws when a channel fails: the caller
   * retries the whole set, which the channels' idempotency makes harmless.
   */
  dispatch(eventIds: readonly string[]): Promise<void>;
}

const KNOWN_TYPES: ReadonlySet<string> = new Set(NOTIFICATION_EVENT_TYPES);

export function createNotificationDispatcher(deps: { orm: Orm; channels: readonly NotificationChannel[] }): NotificationDispatcher {
  return {
    async dispatch(eventIds) {
      if (eventIds.length === 0) return;
      const rows = await deps.orm.em.fork().execute<Array<{ payload: NotificationEvent; channels: StoredPreferences | null }>>(
        `SELECT o.payload, p.channels FROM notification_outbox o LEFT JOIN notification_preferences p ON p.user_id = o.user_id
         WHERE o.id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)`,
        [JSON.stringify(eventIds)],
      );
      const byChannel = new Map<NotificationChannel, NotificationEvent[]>(deps.channels.map((channel) => [channel, []]));
      for (const { payload, channels } of rows) {
        // Written by this code base; a type it no longer knows is dropped rather than guessed at.
        if (!KNOWN_TYPES.has(payload.type)) continue;
        const choices = effectivePreferences(channels)[payload.type];
        for (const channel of deps.channels) if (choices[channel.name]) byChannel.get(channel)?.push(payload);
      }
      await Promise.all([...byChannel].map(([channel, events]) => channel.deliver(events)));
    },
  };
}
