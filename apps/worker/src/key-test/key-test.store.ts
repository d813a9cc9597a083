import type { ActorType, AuditEntry, KeyTestRecordInput, KeyTestRecordResult } from '@byok/db';
import type { KeyTestJob } from '@byok/queues';
import type { KeyCheck, KeyTestOutcome } from './key-check.js';
import { type FinalKeyStatus, messageForCheck, modelsCountOf, statusForOutcome, validationMetadata } from './key-test.outcome.js';
import type { RoutingView } from './routing-change.js';

/** The audit action of a finished key test. */
export const KEY_TESTED_ACTION = 'key.tested';

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

/** A result already written by an earlier run of the same job, read back from its audit record. */
export interface RecordedTest {
  outcome: KeyTestOutcome;
  status: FinalKeyStatus;
  latencyMs: number;
  modelsCount: number | null;
}

const OUTCOMES: readonly KeyTestOutcome[] = ['valid', 'invalid', 'no_credit', 'rate_limited', 'unreachable', 'undecryptable'];
const STATUSES: readonly FinalKeyStatus[] = ['valid', 'invalid', 'error'];

/** The result an earlier run recorded, from its audit record's details (untyped JSON, so every field is checked). */
export function readRecordedTest(details: Record<string, unknown>): RecordedTest {
  const outcome = OUTCOMES.find((o) => o === details.outcome) ?? 'unreachable';
  const status = STATUSES.find((s) => s === details.status) ?? statusForOutcome(outcome);
  return {
    outcome,
    status,
    latencyMs: typeof details.latency_ms === 'number' ? details.latency_ms : 0,
    modelsCount: typeof details.models_count === 'number' ? details.models_count : null,
  };
}

/** Everything one result write needs. */
export interface TestRecord {
  payload: KeyTestJob;
  check: KeyCheck;
  attempt: number;
  idempotencyKey: string;
  testedAt: Date;
}

/** Writes one result and its audit record (`recordKeyTestsOnce`, through the group commit). */
export type RecordKeyTest = (input: KeyTestRecordInput) => Promise<KeyTestRecordResult>;

/** How a result write ended; `written` carries what routing saw before it. */
export type RecordOutcome = { written: true; before: RoutingView } | { written: false; reason: 'changed' | 'already_recorded' };

/**
 * Writes the key's status and its `key.tested` audit record atomically (one statement, see
 * `recordKeyTestsOnce`). The status write is a compare-and-set on the key version: a key replaced
 * meanwhile gets neither write (`changed`). When another run of the same job already wrote its
 * audit record (two runs racing after a lost lock), this run writes no status either
 * (`already_recorded`), so each job leaves exactly one status write and one audit record.
 */
export async function recordTest(recordKeyTest: RecordKeyTest, record: TestRecord): Promise<RecordOutcome> {
  const { payload, check } = record;
  const result = await recordKeyTest({
    keyId: payload.keyId,
    keyVersion: payload.keyVersion,
    status: statusForOutcome(check.outcome),
    message: messageForCheck(check),
    latencyMs: check.latencyMs,
    validation: validationMetadata(check, record.testedAt),
    audit: auditEntry(record),
  });
  if (result.outcome !== 'written') return { written: false, reason: result.outcome };
  return { written: true, before: { testStatus: result.previous.testStatus, validationOutcome: result.previous.validationOutcome } };
}

function auditEntry(record: TestRecord): AuditEntry & { idempotencyKey: string } {
  const { payload, check } = record;
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
      attempt: record.attempt,
      key_version: payload.keyVersion,
    },
    idempotencyKey: record.idempotencyKey,
  };
}
