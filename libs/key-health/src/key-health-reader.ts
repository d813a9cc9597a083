import type { Redis } from 'ioredis';
import { blockedSetKey, minuteKey, stateFromHash, stateKey } from './health-keys.js';
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
 * Reads what the proxies' trackers keep in Redis, in one pipeline per call (one state hash and 15
 * minute hashes per key). The state is `circuit_open` while the circuit is open, `cooling_down`
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
      const pipeline = options.redis.pipeline();
      for (const id of keyIds) {
        pipeline.hgetall(stateKey(options.keyPrefix, id));
        for (let m = minute - STATS_MINUTES + 1; m <= minute; m++) pipeline.hgetall(minuteKey(options.keyPrefix, id, m));
      }
      const replies = (await pipeline.exec()) ?? [];
      const hashAt = (i: number): Record<string, string> => {
        const [error, value] = replies[i] ?? [null, null];
        if (error) throw error;
        return value !== null && typeof value === 'object' ? (value as Record<string, string>) : {};
      };
      keyIds.forEach((id, k) => {
        const base = k * (STATS_MINUTES + 1);
        const state = stateFromHash(hashAt(base));
        let requests = 0;
        let errors = 0;
        const histogram = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);
        for (let m = 1; m <= STATS_MINUTES; m++) {
          const hash = hashAt(base + m);
          requests += Number(hash.r ?? 0);
          errors += Number(hash.e ?? 0);
          for (let b = 0; b < histogram.length; b++) histogram[b] = (histogram[b] ?? 0) + Number(hash[`b${b}`] ?? 0);
        }
        let health: KeyHealthState = 'ok';
        if (state.circuitUntil > at) health = 'circuit_open';
        else if (state.cooldownUntil > at) health = 'cooling_down';
        else if (state.failingSince > 0) health = 'failing';
        const blockedUntil = Math.max(state.circuitUntil, state.cooldownUntil);
        result.set(id, {
          state: health,
          cooldownUntil: blockedUntil > at ? new Date(blockedUntil) : null,
          failingSince: state.failingSince > 0 ? new Date(state.failingSince) : null,
          last15m: { requests, errors, p50LatencyMs: histogramMedian(histogram) },
        });
      });
      return result;
    },
  };
}
