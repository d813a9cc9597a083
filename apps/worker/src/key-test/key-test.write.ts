import { createBatchWriter, everyItemSucceeds } from '@byok/batch';
import {
  type ActorType,
  type AuditEntry,
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
import { keyEventDraft, outboxRowFor, verdictEventType } from '@byok/notifications';
import type { KeyTestJob } from '@byok/queues';
import { captureTraceContext, type Logger, runSharedStatement, type TraceContext } from '@byok/telemetry';
import type { KeyCheck } from './key-test.check.js';
import { messageForCheck, modelsCountOf, type RoutingView, statusForOutcome, validationMetadata } from './key-test.verdict.js';

/** The audit action of a finished key test. */
export const KEY_TESTED_ACTION = 'key.tested';

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

/** Runs one job's part of a statement shared with the other jobs in flight; settles with its own result or error. */
export type SharedStatement<I, O> = (input: I) => Promise<O>;

/** The two statements of a key test, each shared by the jobs in flight. */
export interface KeyTestStatements {
  load: SharedStatement<LoadKeyForTestInput, KeyUnderTest | null>;
  record: SharedStatement<KeyTestRecordInput, KeyTestRecordResult>;
}

/**
 * Group commit across the jobs in flight (`@byok/batch` with no wait): a job arriving while fewer
 * than two batches run starts one at once (a lone job waits for nothing), and jobs arriving
 * meanwhile go together when one finishes. At fifty jobs in flight the database sees a handful of
 * statements where it saw one per job, and each round trip is what a job waits for. Two jobs for
 * one key never share a statement. A failed batch is run again job by job (one bad value fails
 * only its own job), except when the database is away. Each job's trace shows the statement that
 * served it (`runSharedStatement`).
 */
export function createKeyTestStatements(orm: Orm, logger: Logger): KeyTestStatements {
  // Only the connection pool of this entity manager is used, never its identity map, so one fork serves every batch.
  const em = orm.em.fork();
  const shared = <I extends { keyId: string }, O>(statement: string, run: (inputs: I[]) => Promise<O[]>): SharedStatement<I, O> => {
    const name = `key-test ${statement}`;
    const writer = createBatchWriter<{ input: I; trace: TraceContext }, O>({
      maxBatchSize: MAX_BATCH,
      maxConcurrentBatches: MAX_IN_FLIGHT,
      keyOf: ({ input }) => batchKeyOf(input),
      onWriteFailure: {
        kind: 'split',
        failsEveryItem: isDatabaseUnavailable,
        // The error's name and SQLSTATE only: a driver message may quote the values of the statement.
        onSplit: (error, size) =>
          logger.warn({ statement, size, error: { name: error instanceof Error ? error.name : 'unknown', code: (error as { code?: unknown }).code } }, 'key-test batch failed; running its jobs one by one'),
      },
      write: everyItemSucceeds((items) =>
        runSharedStatement(
          name,
          items.map((i) => i.trace),
          () => run(items.map((i) => i.input)),
        ),
      ),
    });
    return (input) => writer.add({ input, trace: captureTraceContext() });
  };
  return {
    load: shared('load', (inputs) => loadKeysForTest(em, inputs)),
    record: shared('record', (inputs) => recordKeyTestsOnce(em, inputs)),
  };
}

/**
 * Idempotency key of a job's audit record: the key id, its version and the job's own random
 * `testToken` (stamped by the producer and kept for the job's life). Nothing in it comes from
 * Redis's counters, so jobs whose ids restart at 1 after Redis lost its data are never mistaken for
 * tests already recorded. Jobs enqueued before tokens existed fall back to the job id.
 */
export function keyTestIdempotencyKey(payload: Pick<KeyTestJob, 'keyId' | 'keyVersion' | 'testToken'>, jobId: string): string {
  if (payload.testToken === undefined) return `key-test:${payload.keyId}:${jobId}`;
  return `key-test:${payload.keyId}:v${payload.keyVersion}:${payload.testToken}`;
}

/** Everything one result write needs. */
export interface TestRecord {
  payload: KeyTestJob;
  /** What the key said before this test (from the job's load): its label and its last verdict's outcome. */
  key: Pick<KeyUnderTest, 'label' | 'validationOutcome'>;
  check: KeyCheck;
  attempt: number;
  idempotencyKey: string;
  testedAt: Date;
}

/** How a result write ended; `written` carries what routing saw before it. */
export type RecordOutcome = { written: true; before: RoutingView } | { written: false; reason: 'changed' | 'already_recorded' };

/**
 * Writes the key's status and its `key.tested` audit record atomically (one statement, see
 * `recordKeyTestsOnce`). The status write is a compare-and-set on the key version: a key replaced
 * meanwhile gets neither write (`changed`). When another run of the same job already wrote its
 * audit record (two runs racing after a lost lock), this run writes no status either
 * (`already_recorded`), so each job leaves exactly one status write and one audit record.
 */
export async function recordTest(record: KeyTestStatements['record'], test: TestRecord): Promise<RecordOutcome> {
  const { payload, check } = test;
  const result = await record({
    keyId: payload.keyId,
    keyVersion: payload.keyVersion,
    status: statusForOutcome(check.outcome),
    message: messageForCheck(check),
    latencyMs: check.latencyMs,
    validation: validationMetadata(check, test.testedAt),
    audit: auditEntry(test),
    ...notificationFor(test),
  });
  if (result.outcome !== 'written') return { written: false, reason: result.outcome };
  return { written: true, before: { testStatus: result.previous.testStatus, validationOutcome: result.previous.validationOutcome } };
}

/**
 * The owner's notification when the verdict changes what they should know (`key_invalid`,
 * `key_no_credit`, `key_recovered`; see `verdictEventType`). It is written in the statement of the
 * verdict, so a verdict that is not written (key replaced, job already recorded) notifies nobody.
 */
function notificationFor(test: TestRecord): { notification?: KeyTestRecordInput['notification'] } {
  const { payload, check } = test;
  const type = verdictEventType(test.key.validationOutcome, check.outcome);
  if (type === null) return {};
  const draft = keyEventDraft(type, { keyId: payload.keyId, userId: payload.userId, provider: payload.provider, label: test.key.label }, {
    occurredAt: test.testedAt.toISOString(),
    details: { reason: payload.reason, ...(check.httpStatus === undefined ? {} : { httpStatus: check.httpStatus }) },
  });
  const row = outboxRowFor(draft);
  return { notification: { id: row.id, type: row.type, payload: row.event, dedupeKey: row.dedupeKey, dedupeWindowMs: row.dedupeWindowMs } };
}

function auditEntry(test: TestRecord): AuditEntry & { idempotencyKey: string } {
  const { payload, check } = test;
  const actorType: ActorType = payload.reason === 'scheduled' || payload.actorId === 'system' ? 'system' : 'user';
  return {
    actorId: payload.actorId,
    actorType,
    action: KEY_TESTED_ACTION,
    subjectUserId: payload.userId,
    provider: payload.provider,
    keyId: payload.keyId,
    requestId: payload.requestId ?? null,
    details: {
      outcome: check.outcome,
      status: statusForOutcome(check.outcome),
      latency_ms: check.latencyMs,
      http_status: check.httpStatus ?? null,
      models_count: modelsCountOf(check),
      reason: payload.reason,
      attempt: test.attempt,
      key_version: payload.keyVersion,
    },
    idempotencyKey: test.idempotencyKey,
  };
}
