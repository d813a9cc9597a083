/**
 * Which configured key covers how many stored tokens, from per-fingerprint row counts. Pure, so
 * the status endpoint, `keys:verify` and the start-up check agree on one reading.
 */

/** Rows recorded under one fingerprint (null: written before fingerprints were recorded). */
export interface FingerprintCount {
  fingerprint: string | null;
  rows: number;
  /** Of those, rows without a binding tag. */
  untagged: number;
}

export interface KeyCoverage {
  /** One entry per configured key, in order, with the rows recorded under it. */
  keys: Array<{ index: number; fingerprint: string; rows: number; untagged: number }>;
  /** Rows recorded under a key that is not configured: nothing here can decrypt them. */
  unknownKeys: Array<{ fingerprint: string; rows: number }>;
  /** Rows with no fingerprint yet (legacy); the rotation or the hint backfill records them. */
  unrecordedRows: number;
  untaggedRows: number;
  totalRows: number;
}

/**
 * Maps counts to configured key positions. A key listed twice counts at its first position, the
 * one that decrypts first.
 */
export function describeKeyCoverage(counts: readonly FingerprintCount[], fingerprints: readonly string[]): KeyCoverage {
  const keys = fingerprints.map((fingerprint, index) => ({ index, fingerprint, rows: 0, untagged: 0 }));
  const coverage: KeyCoverage = { keys, unknownKeys: [], unrecordedRows: 0, untaggedRows: 0, totalRows: 0 };
  for (const count of counts) {
    coverage.totalRows += count.rows;
    coverage.untaggedRows += count.untagged;
    if (count.fingerprint === null) {
      coverage.unrecordedRows += count.rows;
      continue;
    }
    const key = keys[fingerprints.indexOf(count.fingerprint)];
    if (key === undefined) {
      coverage.unknownKeys.push({ fingerprint: count.fingerprint, rows: count.rows });
    } else {
      key.rows += count.rows;
      key.untagged += count.untagged;
    }
  }
  coverage.unknownKeys.sort((a, b) => b.rows - a.rows || a.fingerprint.localeCompare(b.fingerprint));
  return coverage;
}
