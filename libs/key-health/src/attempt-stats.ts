import type { Redis } from 'ioredis';
import { minuteKey } from './health-keys.js';
import { latencyBucket } from './latency-buckets.js';

/** Minutes of stats kept; the reader sums the last 15, one more covers the minute under way. */
const STATS_TTL_MS = 17 * 60_000;

interface MinuteCounts {
  requests: number;
  errors: number;
  buckets: Map<number, number>;
}

/** Options of `createAttemptStats`. */
export interface AttemptStatsOptions {
  redis: Redis;
  prefix: string;
  /** How often buffered counts go to Redis. Default 1000 ms. */
  flushIntervalMs?: number;
  now?: () => number;
  onError?: (error: unknown) => void;
}

/** Per-key attempt counts, buffered in memory and added to Redis in one pipeline per interval. */
export interface AttemptStats {
  record(keyId: string, ok: boolean, latencyMs: number): void;
  /** Sends what is buffered now. */
  flush(): Promise<void>;
  /** Stops the timer after a last flush. */
  close(): Promise<void>;
}

/**
 * Counts every attempt made with a user key (requests, errors, a latency histogram) per key and
 * minute. Recording is a Map update; the counts reach Redis off the request path, batched, where
 * every instance's add up (`HINCRBY`). Counts that fail to send are dropped, not retried: they
 * are a health indicator, not billing.
 */
export function createAttemptStats(options: AttemptStatsOptions): AttemptStats {
  const now = options.now ?? Date.now;
  let pending = new Map<string, MinuteCounts>();
  let closed = false;

  async function flush(): Promise<void> {
    if (pending.size === 0) return;
    const batch = pending;
    pending = new Map();
    const pipeline = options.redis.pipeline();
    for (const [key, counts] of batch) {
      if (counts.requests > 0) pipeline.hincrby(key, 'r', counts.requests);
      if (counts.errors > 0) pipeline.hincrby(key, 'e', counts.errors);
      for (const [bucket, n] of counts.buckets) pipeline.hincrby(key, `b${bucket}`, n);
      pipeline.pexpire(key, STATS_TTL_MS);
    }
    try {
      await pipeline.exec();
    } catch (error) {
      options.onError?.(error);
    }
  }

  const timer = setInterval(() => {
    flush().catch((error: unknown) => options.onError?.(error));
  }, options.flushIntervalMs ?? 1000);
  timer.unref();

  return {
    record(keyId, ok, latencyMs) {
      if (closed) return;
      const key = minuteKey(options.prefix, keyId, Math.floor(now() / 60_000));
      let counts = pending.get(key);
      if (counts === undefined) {
        counts = { requests: 0, errors: 0, buckets: new Map() };
        pending.set(key, counts);
      }
      counts.requests += 1;
      if (!ok) counts.errors += 1;
      const bucket = latencyBucket(Math.max(0, latencyMs));
      counts.buckets.set(bucket, (counts.buckets.get(bucket) ?? 0) + 1);
    },
    flush,
    async close() {
      closed = true;
      clearInterval(timer);
      await flush();
    },
  };
}
