import { anyCause, isDatabaseUnavailable, isUnstorableText } from '@byok/db';

/**
 * Why a batch write failed, which decides what happens to its jobs:
 * - `unavailable`: Postgres cannot be reached; every job retries with backoff.
 * - `bad-data`: the database (or the repository's own checks) refused a value, such as a NUL
 *   character in a model name; some event in the batch is malformed, so the batch is split to
 *   find it and only that event is refused.
 * - `transient`: anything else (deadlock, serialization, disk full, a bug); every job retries,
 *   because failing an event for good on an error it did not cause would lose it.
 */
export type BatchFailureKind = 'unavailable' | 'bad-data' | 'transient';

/** SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation). */
const BAD_DATA_SQLSTATE = /^2[23][0-9A-Z]{3}$/;

export function classifyBatchFailure(error: unknown): BatchFailureKind {
  if (isDatabaseUnavailable(error)) return 'unavailable';
  // The repository throws RangeError for values it cannot store exactly (dates, sums).
  const badData = isUnstorableText(error) || anyCause(error, (e, code) => e instanceof RangeError || (code !== undefined && BAD_DATA_SQLSTATE.test(code)));
  return badData ? 'bad-data' : 'transient';
}
