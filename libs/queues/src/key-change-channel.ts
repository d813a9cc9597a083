import type { Redis } from 'ioredis';

/**
 * Pub/sub channel announcing that a user's key set changed, so every proxy instance drops its
 * cached routes for that user. The message is the user id only.
 */
export function keyChangeChannel(prefix: string): string {
  return `${prefix}:key-changes`;
}

export async function publishKeyChange(redis: Redis, prefix: string, userId: string): Promise<void> {
  await redis.publish(keyChangeChannel(prefix), userId);
}
