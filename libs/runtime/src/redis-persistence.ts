import type { Redis } from 'ioredis';

/** Thrown when Redis keeps no append-only file: jobs it acknowledged can vanish in a crash. */
export class RedisPersistenceError extends Error {
  override readonly name = 'RedisPersistenceError';
}

/**
 * Resolves when Redis writes an append-only file (`appendonly yes`). Without it a crash or
 * restart loses every write since the last RDB snapshot (minutes): usage jobs the proxy was told
 * were stored, key tests and schedules. Reads INFO persistence, which works where CONFIG is
 * disabled (managed Redis services).
 */
export async function assertRedisAppendOnly(redis: Redis): Promise<void> {
  const info = await redis.info('persistence');
  const enabled = /^aof_enabled:(\d)/m.exec(info)?.[1];
  if (enabled === undefined) throw new RedisPersistenceError('Redis did not report whether it keeps an append-only file (INFO persistence)');
  if (enabled !== '1') {
    throw new RedisPersistenceError('Redis keeps no append-only file (appendonly no); set appendonly yes (appendfsync everysec or always), or jobs Redis acknowledged are lost when it restarts');
  }
}
