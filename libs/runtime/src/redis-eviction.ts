import type { Redis } from 'ioredis';

/** Thrown when Redis may evict keys: queued jobs and rate-limit state would vanish silently. */
export class RedisEvictionPolicyError extends Error {
  override readonly name = 'RedisEvictionPolicyError';
}

/**
 * Resolves when Redis will never evict keys (`maxmemory-policy noeviction`), as BullMQ requires.
 * Reads the policy from INFO, which works where CONFIG is disabled (managed Redis services).
 */
export async function assertRedisNoEviction(redis: Redis): Promise<void> {
  const info = await redis.info('memory');
  const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
  if (policy === undefined) throw new RedisEvictionPolicyError('Redis did not report its maxmemory-policy (INFO memory)');
  if (policy !== 'noeviction') {
    throw new RedisEvictionPolicyError(`Redis maxmemory-policy is ${policy}; set it to noeviction, or queued jobs and rate limits can be evicted`);
  }
}
