import { Redis } from 'ioredis';
import { testServiceUrls } from './services.js';

/** Deletes every key under a test file's prefix (SCAN + UNLINK, never KEYS or FLUSHDB on the shared server). */
export async function deleteRedisPrefix(prefix: string): Promise<void> {
  await deleteRedisKeysMatching(`${prefix}*`);
}

/**
 * Deletes every key matching a SCAN pattern and returns the keys it deleted. The pattern must be
 * narrow (a test prefix, a run id): the server is shared with other runs.
 */
export async function deleteRedisKeysMatching(pattern: string): Promise<string[]> {
  const redis = new Redis(testServiceUrls().redisUrl, { maxRetriesPerRequest: 1 });
  const deleted: string[] = [];
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) {
        await redis.unlink(...keys);
        deleted.push(...keys);
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}
