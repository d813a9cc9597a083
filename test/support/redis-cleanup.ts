import { Redis } from 'ioredis';
import { testServiceUrls } from './services.js';

/** Deletes every key under a test file's prefix (SCAN + UNLINK, never KEYS or FLUSHDB on the shared server). */
export async function deleteRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(testServiceUrls().redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
