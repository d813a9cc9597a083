import { appendAudit, AuditLogSchema, recordKeyTestResult, type ActorType, type EntityManager } from '@byok/db';
import type { KeyTestJob } from '@byok/queues';
import type { KeyCheck, KeyTestOutcome } from './key-check.js';
import { messageForCheck, modelsCountOf, statusForOutcome, validationMetadata, type FinalKeyStatus } from './key-test.outcome.js';

/** The audit action of a finished key test. */
export const KEY_TESTED_ACTION = 'key.tested';

/**
 * Idempotency key of a job's audit record. The key id is part of it so that job ids restarting at
 * 1 (a Redis that lost its data) can never match another key's record and skip a real test.
 */
export function keyTestIdempotencyKey(keyId: string, jobId: string): string {
  return `key-test:${keyId}:${jobId}`;
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

/** The result an earlier run of this job wrote, or null when none did. */
export async function findRecordedTest(em: EntityManager, idempotencyKey: string): Promise<RecordedTest | null> {
  const record = await em.findOne(AuditLogSchema, { idempotencyKey });
  if (record === null) return null;
  const details = record.details;
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

export type RecordOutcome = 'written' | 'changed' | 'already_recorded';

/** Thrown inside the transaction only to roll it back; never escapes `recordTest`. */
class RollBack extends Error {
  constructor(readonly outcome: Exclude<RecordOutcome, 'written'>) {
    super(outcome);
  }
}

/**
 * Writes the key's status and its `key.tested` audit record in one transaction. The status write is
 * a compare-and-set on the key version: a key replaced meanwhile gets neither write (`changed`).
 * When another run of the same job already wrote its audit record (two runs racing after a lost
 * lock), this run's status write is rolled back (`already_recorded`), so each job leaves exactly
 * one status write and one audit record.
 */
export async function recordTest(em: EntityManager, record: TestRecord): Promise<RecordOutcome> {
  const { payload, check } = record;
  try {
    await em.transactional(async (tx) => {
      const updated = await recordKeyTestResult(tx, {
        keyId: payload.keyId,
        keyVersion: payload.keyVersion,
        status: statusForOutcome(check.outcome),
        message: messageForCheck(check),
        latencyMs: check.latencyMs,
        validation: validationMetadata(check, record.testedAt),
      });
      if (!updated) throw new RollBack('changed');
      const appended = await appendAudit(tx, auditEntry(record));
      if (!appended) throw new RollBack('already_recorded');
    });
    return 'written';
  } catch (error) {
    if (error instanceof RollBack) return error.outcome;
    throw error;
  }
}

function auditEntry(record: TestRecord): Parameters<typeof appendAudit>[1] {
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
