import {
  batchKeyOf,
  isDatabaseUnavailable,
  type KeyTestRecordInput,
  type KeyTestRecordResult,
  type KeyUnderTest,
  type LoadKeyForTestInput,
  loadKeysForTest,
  type Orm,
  recordKeyTestsOnce,
} from '@byok/db';
import type { Logger } from '@byok/telemetry';
import { createGroupCommit, type GroupCommit } from './group-commit.js';

/** The two statements of a key test, each shared by the jobs in flight (see `createGroupCommit`). */
export interface KeyTestStatements {
  load: GroupCommit<LoadKeyForTestInput, KeyUnderTest | null>;
  record: GroupCommit<KeyTestRecordInput, KeyTestRecordResult>;
}

/**
 * At most this many jobs per statement: the worker's default concurrency is 50, so a batch holds
 * at most every job in flight; the bound only keeps the arrays of a larger concurrency modest.
 */
const MAX_BATCH = 64;
/**
 * Batches of one kind running at once. One would send the largest batches, but a job arriving
 * while it runs waits for it to end; two overlap that wait with the next batch's round trip.
 */
const MAX_IN_FLIGHT = 2;

export function createKeyTestStatements(orm: Orm, logger: Logger): KeyTestStatements {
  // Only the connection pool of this entity manager is used, never its identity map, so one fork serves every batch.
  const em = orm.em.fork();
  const batching = (statement: string) => ({
    name: `key-test ${statement}`,
    keyOf: batchKeyOf,
    failsEveryItem: isDatabaseUnavailable,
    maxBatch: MAX_BATCH,
    maxInFlight: MAX_IN_FLIGHT,
    // The error's name and SQLSTATE only: a driver message may quote the values of the statement.
    onBatchFailure: (error: unknown, size: number) =>
      logger.warn({ statement, size, error: { name: error instanceof Error ? error.name : 'unknown', code: (error as { code?: unknown }).code } }, 'key-test batch failed; running its jobs one by one'),
  });
  return {
    load: createGroupCommit<LoadKeyForTestInput, KeyUnderTest | null>({ ...batching('load'), run: (inputs) => loadKeysForTest(em, inputs) }),
    record: createGroupCommit<KeyTestRecordInput, KeyTestRecordResult>({ ...batching('record'), run: (inputs) => recordKeyTestsOnce(em, inputs) }),
  };
}
