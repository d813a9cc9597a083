import { publishKeyChange } from '@byok/queues';
import type { Logger } from '@byok/telemetry';
import type { Redis } from 'ioredis';

/** Tells every proxy to drop its cached routes for a user. Never throws. */
export type AnnounceKeyChange = (userId: string) => Promise<void>;

/**
 * Announces key changes on the channel the API uses (`publishKeyChange`). A failed publish is
 * logged and swallowed: the result is already committed, and proxies still reload the user's
 * routes after their cache TTL, and drop every entry when their subscriber reconnects.
 */
export function createKeyChangeAnnouncer(deps: { redis: Redis; redisPrefix: string; logger: Logger }): AnnounceKeyChange {
  return async (userId) => {
    try {
      await publishKeyChange(deps.redis, deps.redisPrefix, userId);
    } catch (error) {
      deps.logger.warn({ user_id: userId, error: { message: error instanceof Error ? error.message : String(error) } }, 'could not announce key change');
    }
  };
}
