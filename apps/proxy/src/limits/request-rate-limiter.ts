import type { CredentialSource } from '@byok/routing';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/** Per-user requests per minute, by the kind of credential that serves them (0 = not limited). */
export interface RequestRateLimits {
  platformPerMinute: number;
  byokPerMinute: number;
}

export interface RequestRateLimiterDeps {
  /** A fail-fast command connection (the runtime's): counting never waits for an absent Redis. */
  redis: Redis;
  redisPrefix: string;
  limits: RequestRateLimits;
}

/** Undefined = allowed; otherwise refused, with the seconds until the user's window frees a request. */
export type RateVerdict = { retryAfterSeconds: number; limitPerMinute: number } | undefined;

export interface RequestRateLimiter {
  /** Counts one request of `userId` through `source` and says whether it is within the limit. */
  take(userId: string, source: CredentialSource): Promise<RateVerdict>;
}

const WINDOW_SECONDS = 60;

/**
 * Counts each user's chat requests per minute in Redis (rate-limiter-flexible's fixed window), so
 * every proxy instance shares one count per user. Platform-key requests and the user's own keys
 * are counted apart, each with its own limit. While Redis is unreachable each instance counts in
 * its own memory (the library's insurance limiter): the limit then holds per instance, and a Redis
 * outage never turns into refused requests.
 */
export function createRequestRateLimiter(deps: RequestRateLimiterDeps): RequestRateLimiter {
  const platform = limiterFor(deps, 'platform', deps.limits.platformPerMinute);
  const byok = limiterFor(deps, 'byok', deps.limits.byokPerMinute);
  return {
    async take(userId, source) {
      const entry = source === 'system' ? platform : byok;
      if (entry === undefined) return undefined;
      try {
        await entry.limiter.consume(userId);
        return undefined;
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) return { retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)), limitPerMinute: entry.points };
        throw rejection;
      }
    },
  };
}

function limiterFor(deps: RequestRateLimiterDeps, kind: string, points: number): { limiter: RateLimiterRedis; points: number } | undefined {
  if (points <= 0) return undefined;
  const limiter = new RateLimiterRedis({
    storeClient: deps.redis,
    keyPrefix: `${deps.redisPrefix}:ratelimit:proxy-${kind}`,
    points,
    duration: WINDOW_SECONDS,
    // Without this a command on a disconnected fail-fast client rejects anyway; saying so up front
    // sends the count to the insurance limiter at once.
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory({ points, duration: WINDOW_SECONDS }),
  });
  return { limiter, points };
}
