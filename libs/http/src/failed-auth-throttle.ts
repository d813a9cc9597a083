/** The Redis commands the throttle uses (an ioredis client); structural, so this lib needs no client. */
export interface ThrottleRedis {
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
}

/** Failed authentications per client address, counted in Redis so every instance sees them all. */
export interface FailedAuthThrottle {
  /**
   * Whether this instance has seen the address fail within the window; only then can it be
   * throttled, and only then does `blockedForSeconds` ask Redis. Synchronous, for the hot path.
   */
  isSuspect(address: string): boolean;
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

// The count and the window's remaining seconds in one round trip. Only asked for addresses this
// instance has seen fail (see `createFailedAuthThrottle`), so it stays off the hot path.
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

/** Addresses remembered as suspects at most; past it the expired ones go, then all (failing open). */
const MAX_SUSPECTS = 50_000;

/**
 * A fixed-window counter per address: simple, and exact enough to stop guessing at scale.
 *
 * The count lives in Redis, shared by every instance, but an instance asks Redis about an address
 * only after it has itself seen that address fail within the window (a suspect). A request from an
 * address that never failed here costs nothing — that is every request of every honest client, on
 * the proxy's hot path too — while a guesser, whose guesses fail on whichever instance they reach,
 * becomes a suspect there with its first failed guess and is then refused once the shared count is
 * past the limit.
 */
export function createFailedAuthThrottle(options: FailedAuthThrottleOptions, nowMs: () => number = Date.now): FailedAuthThrottle {
  const keyOf = (address: string) => `${options.redisPrefix}:auth-failures:${address}`;
  const suspects = new Map<string, number>();
  const isSuspect = (address: string): boolean => {
    const until = suspects.get(address);
    if (until === undefined) return false;
    if (until > nowMs()) return true;
    suspects.delete(address);
    return false;
  };
  const remember = (address: string): void => {
    if (suspects.size >= MAX_SUSPECTS) {
      const now = nowMs();
      for (const [known, until] of suspects) if (until <= now) suspects.delete(known);
      if (suspects.size >= MAX_SUSPECTS) suspects.clear();
    }
    suspects.set(address, nowMs() + options.windowSeconds * 1000);
  };
  return {
    isSuspect,
    async blockedForSeconds(address) {
      if (!isSuspect(address)) return 0;
      return Number(await options.redis.eval(READ_BLOCK, 1, keyOf(address), options.maxFailures, options.windowSeconds));
    },
    async recordFailure(address) {
      remember(address);
      await options.redis.eval(RECORD_FAILURE, 1, keyOf(address), options.windowSeconds);
    },
  };
}
