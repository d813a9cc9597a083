import type { KeyTestStatus } from '@byok/db';
import { testResultVerdict } from '@byok/routing';
import type { KeyCheck, KeyTestOutcome } from './key-test.check.js';

/**
 * What a key check means: the status and message written on the key, its validation metadata,
 * whether the job fails, what the job returns, and whether routing changes. Pure functions; the
 * processors decide when, `key-test.write.ts` writes.
 */

/** Statuses a finished test writes (the column also holds `untested` and `testing`). */
export type FinalKeyStatus = Extract<KeyTestStatus, 'valid' | 'invalid' | 'error'>;

/** At most this many model names are stored on the key; `models_count` keeps the real number. */
export const MAX_STORED_MODELS = 500;

/**
 * Outcomes that end the job as failed (BullMQ's `UnrecoverableError`, after the result is written).
 * A key the provider rejected (`invalid`, `no_credit`) is a test that worked: its job completes with
 * the verdict as its return value, so the dashboard's failed list is not filled with users' wrong
 * keys. Only a token the deployment cannot open fails: that is this deployment's fault (a missing
 * encryption key, a moved row) and an operator must act.
 */
const FAILS_JOB: ReadonlySet<KeyTestOutcome> = new Set(['undecryptable']);

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

/**
 * The key's test status for an outcome. `no_credit` is recorded as `error`, not `invalid`: the key
 * is real and starts working again once the account is topped up, so routing must not treat it
 * like a wrong key; `metadata.validation.outcome = 'no_credit'` and the "No credit:" message let
 * routing and the page tell it apart from a provider outage.
 */
export function statusForOutcome(outcome: KeyTestOutcome): FinalKeyStatus {
  if (outcome === 'valid') return 'valid';
  if (outcome === 'invalid') return 'invalid';
  return 'error';
}

export function failsTheJob(outcome: KeyTestOutcome): boolean {
  return FAILS_JOB.has(outcome);
}

/** The message stored on the key. */
export function messageForCheck(check: KeyCheck): string {
  return check.outcome === 'no_credit' ? `No credit: ${check.message}` : check.message;
}

/** How many models the provider listed, or null when its key check does not list models. */
export function modelsCountOf(check: KeyCheck): number | null {
  return check.models === undefined ? null : check.models.length;
}

/** What goes under the key's `metadata.validation`: the outcome and provider facts, capped in size. */
export function validationMetadata(check: KeyCheck, testedAt: Date): Record<string, unknown> {
  const models = check.models;
  return {
    outcome: check.outcome,
    models: models === undefined ? null : models.slice(0, MAX_STORED_MODELS),
    models_count: modelsCountOf(check),
    ...(models !== undefined && models.length > MAX_STORED_MODELS ? { models_truncated: true } : {}),
    details: check.details ?? null,
    http_status: check.httpStatus ?? null,
    tested_at: testedAt.toISOString(),
  };
}

/** The job's return value for a check whose result was written. */
export function completedResult(check: KeyCheck): KeyTestCompleted {
  return {
    status: statusForOutcome(check.outcome),
    outcome: check.outcome,
    message: messageForCheck(check),
    latencyMs: check.latencyMs,
    modelsCount: modelsCountOf(check),
  };
}

/** A result already written by an earlier run of the same job, read back from its audit record. */
export type RecordedTest = Omit<KeyTestCompleted, 'message'>;

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

/** The parts of a key's test state that routing reads. */
export interface RoutingView {
  testStatus: string;
  /** `metadata.validation.outcome`, or null when the key was never tested. */
  validationOutcome: string | null;
}

/**
 * True when proxies would route differently after this change, so it must be announced now rather
 * than found on their next cache reload. The rule is routing's own (`testResultVerdict`): an
 * `invalid` key is skipped, a `no_credit` one is noted; anything else (`testing` → `valid`, a new
 * message or latency) leaves the route as it was.
 */
export function changesRouting(before: RoutingView, after: RoutingView): boolean {
  const was = testResultVerdict(before);
  const is = testResultVerdict(after);
  return was.skipped !== is.skipped || was.reportedNoCredit !== is.reportedNoCredit;
}
