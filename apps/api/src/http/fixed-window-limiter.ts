import { hash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { isRedisUnavailable, QueueUnavailableError } from '@byok/queues';

/**
 * A count of uses per subject in fixed one-minute windows, kept in Redis so every API instance
 * shares it. `take` counts one use and answers null within the limit, or the seconds until the
 * window ends past it; the caller says what was refused (its own 429 message).
 */
export interface FixedWindowLimiter {
  take(subject: string): Promise<number | null>;
  readonly perMinute: number;
}

const WINDOW_MS = 60_000;

// Count and window start in one round trip: the first call of a window starts its expiry.
const TAKE_SCRIPT = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}`;

/**
 * `name` keeps limits apart in Redis. `queueName` is the queue whose jobs the limited requests
 * add: it lives in the same Redis, so when Redis is away the request gets that queue's 503
 * `queue_unavailable`, never an unlimited pass.
 */
export function createFixedWindowLimiter(deps: { redis: Redis; redisPrefix: string; name: string; perMinute: number; queueName: string }): FixedWindowLimiter {
  return {
    perMinute: deps.perMinute,
    async take(subject) {
      // Hashed: Redis key names reach traces (the statement of a command names its keys), user ids must not.
      const key = `${deps.redisPrefix}:ratelimit:${deps.name}:${hash('sha256', subject, 'base64url').slice(0, 22)}`;
      const [count, ttlMs] = (await deps.redis.eval(TAKE_SCRIPT, 1, key, WINDOW_MS).catch((error: unknown) => {
        throw isRedisUnavailable(error) ? new QueueUnavailableError(deps.queueName, { cause: error }) : error;
      })) as [number, number];
      if (count <= deps.perMinute) return null;
      return Math.max(1, Math.ceil((ttlMs > 0 ? ttlMs : WINDOW_MS) / 1000));
    },
  };
}
