import type { Redis } from 'ioredis';
import { blockedSetKey, minuteKey, stateKey } from './health-keys.js';
import { READ_HEALTH } from './health-scripts.js';
import { histogramMedian, LATENCY_BOUNDS_MS } from './latency-buckets.js';
import type { KeyHealth, KeyHealthState } from './key-health.types.js';

/** Options of `createKeyHealthReader`. */
export interface KeyHealthReaderOptions {
  redis: Redis;
  /** The deployment's key prefix (`REDIS_PREFIX`), the same the proxy's tracker uses. */
  keyPrefix: string;
  now?: () => number;
}

/** Reads keys' health for listings and notifications. */
export interface KeyHealthReader {
  /** Every requested id is in the map; a key nobody used lately is `ok` with zero counts. */
  read(keyIds: readonly string[]): Promise<Map<string, KeyHealth>>;
  /** Ids of the keys whose cool-down or open circuit is in force now: the only ones that can be failing for long. */
  blockedKeyIds(): Promise<string[]>;
}

const STATS_MINUTES = 15;

/**
 * Reads what the proxies' trackers keep in Redis, in one pipeline per call of one script per key
 * (`READ_HEALTH`, which sums the key's 15 minute hashes in Redis). The state is `circuit_open` while the circuit is open, `cooling_down`
 * while a cool-down runs, `failing` while consecutive failures have not been ended by a success
 * (including a half-open circuit waiting for its trial), else `ok`.
 */
export function createKeyHealthReader(options: KeyHealthReaderOptions): KeyHealthReader {
  const now = options.now ?? Date.now;
  return {
    async blockedKeyIds() {
      return options.redis.zrangebyscore(blockedSetKey(options.keyPrefix), now(), '+inf');
    },
    async read(keyIds) {
      const result = new Map<string, KeyHealth>();
      if (keyIds.length === 0) return result;
      const at = now();
      const minute = Math.floor(at / 60_000);
      const replies = await readSummaries(options.redis, options.keyPrefix, keyIds, minute);
      keyIds.forEach((id, k) => {
        const [cooldownUntil = 0, circuitUntil = 0, failingSince = 0, requests = 0, errors = 0, ...histogram] = replies[k] ?? [];
        let health: KeyHealthState = 'ok';
        if (circuitUntil > at) health = 'circuit_open';
        else if (cooldownUntil > at) health = 'cooling_down';
        else if (failingSince > 0) health = 'failing';
        const blockedUntil = Math.max(circuitUntil, cooldownUntil);
        result.set(id, {
          state: health,
          cooldownUntil: blockedUntil > at ? new Date(blockedUntil) : null,
          failingSince: failingSince > 0 ? new Date(failingSince) : null,
          last15m: { requests, errors, p50LatencyMs: histogramMedian(histogram) },
        });
      });
      return result;
    },
  };
}

/**
 * Each key's `READ_HEALTH` summary, in one pipeline (one write, one command per key). After a
 * Redis restart (or SCRIPT FLUSH) the server no longer knows the script: it is loaded once and the
 * pipeline sent again.
 */
async function readSummaries(redis: Redis, keyPrefix: string, keyIds: readonly string[], minute: number): Promise<number[][]> {
  const send = async () => {
    const pipeline = redis.pipeline();
    for (const id of keyIds) {
      const keys = [stateKey(keyPrefix, id)];
      for (let m = minute - STATS_MINUTES + 1; m <= minute; m++) keys.push(minuteKey(keyPrefix, id, m));
      pipeline.evalsha(READ_HEALTH.sha, keys.length, ...keys, LATENCY_BOUNDS_MS.length + 1);
    }
    return (await pipeline.exec()) ?? [];
  };
  let replies = await send();
  if (replies.some(([error]) => error instanceof Error && error.message.startsWith('NOSCRIPT'))) {
    await redis.script('LOAD', READ_HEALTH.source);
    replies = await send();
  }
  return replies.map(([error, value]) => {
    if (error) throw error;
    return value as number[];
  });
}
