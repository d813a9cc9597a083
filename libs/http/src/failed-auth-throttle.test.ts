import { describe, expect, it } from 'vitest';
import { createFailedAuthThrottle, type ThrottleRedis } from './failed-auth-throttle.js';

/** A Redis stand-in that answers the two scripts from one counter per key, and counts the calls. */
function countingRedis(): ThrottleRedis & { calls: number } {
  const counts = new Map<string, number>();
  return {
    calls: 0,
    async eval(script, _numKeys, key, ...args) {
      this.calls++;
      const k = String(key);
      if (script.includes('INCR')) {
        counts.set(k, (counts.get(k) ?? 0) + 1);
        return counts.get(k);
      }
      return (counts.get(k) ?? 0) >= Number(args[0]) ? 30 : 0;
    },
  };
}

describe('createFailedAuthThrottle', () => {
  it('asks Redis nothing about an address this instance has not seen fail (the hot path)', async () => {
    const redis = countingRedis();
    const throttle = createFailedAuthThrottle({ redis, redisPrefix: 't', maxFailures: 2, windowSeconds: 60 });
    for (let i = 0; i < 100; i++) expect(await throttle.blockedForSeconds('192.0.2.1')).toBe(0);
    expect(redis.calls).toBe(0);
  });

  it('reads the shared count for an address once it failed here, and refuses it past the limit', async () => {
    const redis = countingRedis();
    const throttle = createFailedAuthThrottle({ redis, redisPrefix: 't', maxFailures: 2, windowSeconds: 60 });
    await throttle.recordFailure('192.0.2.2');
    expect(await throttle.blockedForSeconds('192.0.2.2')).toBe(0);
    await throttle.recordFailure('192.0.2.2');
    expect(await throttle.blockedForSeconds('192.0.2.2')).toBe(30);
  });

  it('forgets a suspect when its window has passed', async () => {
    const redis = countingRedis();
    let now = 0;
    const throttle = createFailedAuthThrottle({ redis, redisPrefix: 't', maxFailures: 1, windowSeconds: 60 }, () => now);
    await throttle.recordFailure('192.0.2.3');
    const callsAfterFailure = redis.calls;
    now = 61_000;
    expect(await throttle.blockedForSeconds('192.0.2.3')).toBe(0);
    expect(redis.calls).toBe(callsAfterFailure);
  });
});
