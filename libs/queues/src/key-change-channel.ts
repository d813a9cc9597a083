import type { Redis } from 'ioredis';

/**
 * Pub/sub channel announcing that a user's key set changed, so every proxy instance drops its
 * cached routes for that user. The message is the user id only.
 */
export function keyChangeChannel(prefix: string): string {
  return `${prefix}:key-changes`;
}

/** Prefix of a message on the same channel announcing a revoked gateway token: `token:<sha256 hex>`. */
export const TOKEN_REVOKED_PREFIX = 'token:';

/** Tells every proxy instance to forget a revoked gateway token now rather than after its cache TTL. */
export async function publishTokenRevoked(redis: Redis, prefix: string, tokenHash: string): Promise<void> {
  await redis.publish(keyChangeChannel(prefix), `${TOKEN_REVOKED_PREFIX}${tokenHash}`);
}

export async function publishKeyChange(redis: Redis, prefix: string, userId: string): Promise<void> {
  await redis.publish(keyChangeChannel(prefix), userId);
}
