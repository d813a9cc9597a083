/**
 * Upper bounds (ms) of the latency histogram each minute of a key's stats keeps; the last bucket
 * is open. A median read from these is exact to within its bucket, which is what a health badge
 * needs, and a minute costs a few hash fields whatever the traffic.
 */
export const LATENCY_BOUNDS_MS: readonly number[] = [25, 50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500, 10_000, 15_000, 20_000, 30_000, 60_000, 120_000];

/** Index of the bucket holding `latencyMs` (the open bucket is `LATENCY_BOUNDS_MS.length`). */
export function latencyBucket(latencyMs: number): number {
  for (let i = 0; i < LATENCY_BOUNDS_MS.length; i++) if (latencyMs <= (LATENCY_BOUNDS_MS[i] ?? Number.POSITIVE_INFINITY)) return i;
  return LATENCY_BOUNDS_MS.length;
}

/**
 * The median of a histogram, interpolated linearly inside its bucket; the open bucket answers its
 * lower bound. Null for an empty histogram.
 */
export function histogramMedian(counts: readonly number[]): number | null {
  const total = counts.reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  const half = total / 2;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i] ?? 0;
    if (n > 0 && seen + n >= half) {
      const lower = i === 0 ? 0 : (LATENCY_BOUNDS_MS[i - 1] ?? 0);
      const upper = LATENCY_BOUNDS_MS[i];
      if (upper === undefined) return lower;
      return Math.round(lower + ((half - seen) / n) * (upper - lower));
    }
    seen += n;
  }
  return null;
}
