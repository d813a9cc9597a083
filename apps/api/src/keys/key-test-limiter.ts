import type { Redis } from 'ioredis';
import { AppError } from '@byok/http';
import { QUEUES } from '@byok/queues';
import { createFixedWindowLimiter } from '../http/fixed-window-limiter.js';

/**
 * The per-user budget of provider calls that users cause: a manual key test and a key save (which
 * queues a test) each take one. Refused with 429 past the budget.
 */
export interface KeyTestLimiter {
  /** Takes one provider call from the user's budget. @throws AppError `rate_limited` (429) past it. */
  take(userId: string): Promise<void>;
  readonly perMinute: number;
}

/**
 * A fixed one-minute window per user (see fixed-window-limiter.ts). Not @fastify/rate-limit's
 * route hook: the budget is taken by two routes (save and test), and only once a request is known
 * to cause a provider call, after its provider, key and input were found good; an unknown provider
 * or a refused save spends nothing. When Redis is away the take fails with the key-test queue's
 * 503 `queue_unavailable` (that queue lives in the same Redis), never an unlimited oracle.
 */
export function createKeyTestLimiter(deps: { redis: Redis; redisPrefix: string; perMinute: number }): KeyTestLimiter {
  const window = createFixedWindowLimiter({ ...deps, name: 'key-test', queueName: QUEUES.keyTests.name });
  return {
    perMinute: deps.perMinute,
    async take(userId) {
      const retryAfterSeconds = await window.take(userId);
      if (retryAfterSeconds === null) return;
      throw new AppError(
        'rate_limited',
        `Too many key tests: at most ${deps.perMinute} per minute, key saves included (each save tests the key with the provider). Try again in ${retryAfterSeconds} s.`,
        { retryAfterSeconds },
      );
    },
  };
}
