import type { KeyTestOutcome } from './key-check.js';
import type { FinalKeyStatus } from './key-test.outcome.js';

/** The job's return value when it wrote (or had already written) a result. No key material. */
export interface KeyTestCompleted {
  status: FinalKeyStatus;
  outcome: KeyTestOutcome;
  message: string;
  latencyMs: number;
  /** Null when the provider's key check lists no models. */
  modelsCount: number | null;
}

/**
 * The job's return value when it wrote nothing:
 * - `stale`: the key was replaced before the test ran (a newer version has its own job);
 * - `changed`: the key was replaced while the provider call was in flight (compare-and-set missed);
 * - `not_visible`: the key's row never became visible (its save was rolled back, or it was deleted).
 */
export interface KeyTestSkipped {
  skipped: 'stale' | 'changed' | 'not_visible';
}

/**
 * The return value of a replacement's test (`reason: 'candidate'`): whether it replaced the key.
 * The API reads it to answer the save that is waiting (`POST /keys?test_first=true`).
 */
export interface KeyTestCandidateResult extends KeyTestCompleted {
  replaced: boolean;
}

export type KeyTestJobResult = KeyTestCompleted | KeyTestCandidateResult | KeyTestSkipped;
