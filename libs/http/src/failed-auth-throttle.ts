/** The Redis commands the throttle uses (an ioredis client); structural, so this lib needs no client. */
export interface ThrottleRedis {
  get(key: string): Promise<string | null>;
  ttl(key: string): Promise<number>;
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
}

/** Failed authentications per client address, counted in Redis so every instance sees them all. */
export interface FailedAuthThrottle {
  /** Seconds until the address may try again; 0 when it is not throttled. */
  blockedForSeconds(address: string): Promise<number>;
  /** Counts one failure; the first failure of a window starts the window. */
  recordFailure(address: string): Promise<void>;
}

export interface FailedAuthThrottleOptions {
  redis: ThrottleRedis;
  redisPrefix: string;
  /** Failures allowed per window; the next attempt is refused until the window ends. */
  maxFailures: number;
  windowSeconds: number;
}

// INCR and the window's expiry in one step, so a crash between them cannot leave a counter
// that never expires (which would lock the address out for good).
const RECORD_FAILURE = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count`;

/** A fixed-window counter per address: simple, and exact enough to stop guessing at scale. */
export function createFailedAuthThrottle(options: FailedAuthThrottleOptions): FailedAuthThrottle {
  const keyOf = (address: string) => `${options.redisPrefix}:auth-failures:${address}`;
  return {
    async blockedForSeconds(address) {
      const key = keyOf(address);
      const [count, ttl] = await Promise.all([options.redis.get(key), options.redis.ttl(key)]);
      if (count === null || Number(count) < options.maxFailures) return 0;
      return ttl > 0 ? ttl : options.windowSeconds;
    },
    async recordFailure(address) {
      await options.redis.eval(RECORD_FAILURE, 1, keyOf(address), options.windowSeconds);
    },
  };
}
