import { hash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppError } from '@byok/http';
import { isRedisUnavailable, QUEUES, QueueUnavailableError } from '@byok/queues';

/**
 * The per-user budget of provider calls that users cause: a manual key test and a key save (which
 * queues a test) each take one. Refused with 429 past the budget.
 */
export interface KeyTestLimiter {
  /** Takes one provider call from the user's budget. @throws AppError `rate_limited` (429) past it. */
  take(userId: string): Promise<void>;
  readonly perMinute: number;
}

const WINDOW_MS = 60_000;

// Count and window start in one round trip: the first call of a window starts its expiry.
const TAKE_SCRIPT = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}`;

/**
 * A fixed one-minute window per user, counted in Redis so every API instance shares it. Not
 * @fastify/rate-limit's route hook: the budget is taken by two routes (save and test), and only
 * once a request is known to cause a provider call, after its provider, key and input were found
 * good; an unknown provider or a refused save spends nothing. When Redis is away the take fails
 * and the request gets the 503 `queue_unavailable` it got before the budget existed (the key-test
 * queue lives in that Redis too), never an unlimited oracle.
 */
export function createKeyTestLimiter(deps: { redis: Redis; redisPrefix: string; perMinute: number }): KeyTestLimiter {
  return {
    perMinute: deps.perMinute,
    async take(userId) {
      // Hashed: Redis key names reach traces (the statement of a command names its keys), user ids must not.
      const key = `${deps.redisPrefix}:ratelimit:key-test:${hash('sha256', userId, 'base64url').slice(0, 22)}`;
      const [count, ttlMs] = (await deps.redis.eval(TAKE_SCRIPT, 1, key, WINDOW_MS).catch((error: unknown) => {
        throw isRedisUnavailable(error) ? new QueueUnavailableError(QUEUES.keyTests.name, { cause: error }) : error;
      })) as [number, number];
      if (count <= deps.perMinute) return;
      const retryAfterSeconds = Math.max(1, Math.ceil((ttlMs > 0 ? ttlMs : WINDOW_MS) / 1000));
      throw new AppError(
        'rate_limited',
        `Too many key tests: at most ${deps.perMinute} per minute, key saves included (each save tests the key with the provider). Try again in ${retryAfterSeconds} s.`,
        { headers: { 'retry-after': String(retryAfterSeconds) } },
      );
    },
  };
}
