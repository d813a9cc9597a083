import { finishStuckKeyTests, type AbandonedKeyTest, type Orm } from '@byok/db';
import { isProviderId } from '@byok/providers';
import type { Producer } from '@byok/queues';
import type { Logger } from '@byok/telemetry';

/** What the sweep of stuck key tests needs from outside. */
export interface FinishStuckTestsDependencies {
  orm: Orm;
  keyTests: Producer<'keyTests'>;
  logger: Logger;
  /** A key `testing` for longer than this has lost its test (`KEY_TEST_STUCK_AFTER_MS`). */
  stuckAfterMs: number;
  /** Keys finished per statement; default 500. */
  batchSize?: number;
}

/** Counts of one sweep. */
export interface FinishStuckTestsResult {
  finished: number;
  /** Of those, how many got a new test job (the rest wait for the next re-validation or a manual test). */
  requeued: number;
}

/** Stored on the key; says what happened and that nothing is wrong with the key itself. */
export const ABANDONED_TEST_MESSAGE = 'The key test did not finish in time (its job was lost or the service was unavailable); the key will be tested again.';

const DEFAULT_BATCH_SIZE = 500;

/**
 * Finishes every key left `testing` longer than `stuckAfterMs`: status `error` (routing treats it
 * like `testing`: still usable) with an audit record, then a new `scheduled` test so the key gets a
 * real verdict. A key stays `testing` only while someone waits for its test, so without this a job
 * lost with Redis's data, or one failed for good while Postgres was away, would leave the key
 * `testing` forever. The new test is deduplicated per key version, like the API's; a failed enqueue
 * (Redis away) is logged and the key keeps its `error` until the next re-validation.
 */
export async function finishStuckTests(deps: FinishStuckTestsDependencies): Promise<FinishStuckTestsResult> {
  const batchSize = deps.batchSize ?? DEFAULT_BATCH_SIZE;
  const result: FinishStuckTestsResult = { finished: 0, requeued: 0 };
  for (;;) {
    const finished = await finishStuckKeyTests(deps.orm.em.fork(), { stuckAfterMs: deps.stuckAfterMs, limit: batchSize, message: ABANDONED_TEST_MESSAGE });
    result.finished += finished.length;
    const requeued = await Promise.all(finished.map((key) => requeue(deps, key)));
    result.requeued += requeued.filter(Boolean).length;
    if (finished.length < batchSize) break;
  }
  if (result.finished > 0) deps.logger.warn({ ...result, stuckAfterMs: deps.stuckAfterMs }, 'finished key tests that were stuck in testing');
  return result;
}

async function requeue(deps: FinishStuckTestsDependencies, key: AbandonedKeyTest): Promise<boolean> {
  if (!isProviderId(key.provider)) return false;
  try {
    await deps.keyTests.enqueue(
      { keyId: key.id, keyVersion: key.keyVersion, userId: key.userId, provider: key.provider, reason: 'scheduled', actorId: 'system' },
      { deduplication: { id: `${key.id}:${key.keyVersion}` } },
    );
    return true;
  } catch (error) {
    deps.logger.warn({ keyId: key.id, error: { name: error instanceof Error ? error.name : 'unknown' } }, 'could not enqueue a new test for a key whose test was stuck');
    return false;
  }
}
