/** The Redis commands the throttle uses (an ioredis client); structural, so this lib needs no client. */
export interface ThrottleRedis {
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

// The count and the window's remaining seconds in one round trip: this runs on every request that
// carries credentials, the proxy's hot path included.
const READ_BLOCK = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count < tonumber(ARGV[1]) then return 0 end
local ttl = redis.call('TTL', KEYS[1])
if ttl > 0 then return ttl end
return tonumber(ARGV[2])`;

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
      return Number(await options.redis.eval(READ_BLOCK, 1, keyOf(address), options.maxFailures, options.windowSeconds));
    },
    async recordFailure(address) {
      await options.redis.eval(RECORD_FAILURE, 1, keyOf(address), options.windowSeconds);
    },
  };
}
