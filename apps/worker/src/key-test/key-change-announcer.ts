import { forgetKeyHealth } from '@byok/key-health';
import { publishKeyChange } from '@byok/queues';
import type { Logger } from '@byok/telemetry';
import type { Redis } from 'ioredis';

/** Tells every proxy to drop its cached routes for a user. Never throws. */
export type AnnounceKeyChange = (userId: string) => Promise<void>;

/** Tells every proxy that a key's text was replaced, so its health starts afresh. Never throws. */
export type AnnounceKeyReplaced = (keyId: string) => Promise<void>;

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

/**
 * Clears a replaced key's cool-down and circuit on every proxy (`forgetKeyHealth`): routing never
 * tries a resting key, and the old text's rest says nothing about the new one. A failure is logged
 * and swallowed: the block runs out by itself (at most 10 minutes).
 */
export function createKeyReplacedAnnouncer(deps: { redis: Redis; redisPrefix: string; logger: Logger }): AnnounceKeyReplaced {
  return async (keyId) => {
    try {
      await forgetKeyHealth(deps.redis, deps.redisPrefix, keyId);
    } catch (error) {
      deps.logger.warn({ key_id: keyId, error: { message: error instanceof Error ? error.message : String(error) } }, 'could not clear the health of a replaced key');
    }
  };
}
