import type { KeyTestStatus } from '@byok/db';
import type { KeyCheck, KeyTestOutcome } from './key-check.js';

/** Statuses a finished test writes (the column also holds `untested` and `testing`). */
export type FinalKeyStatus = Extract<KeyTestStatus, 'valid' | 'invalid' | 'error'>;

/** At most this many model names are stored on the key; `models_count` keeps the real number. */
export const MAX_STORED_MODELS = 500;

/** Outcomes worth another provider call later. */
const TRANSIENT: ReadonlySet<KeyTestOutcome> = new Set(['rate_limited', 'unreachable']);

/**
 * Outcomes that end the job as failed (BullMQ's `UnrecoverableError`, after the result is written).
 * A key the provider rejected (`invalid`, `no_credit`) is a test that worked: its job completes with
 * the verdict as its return value, so the dashboard's failed list is not filled with users' wrong
 * keys. Only a token the deployment cannot open fails: that is this deployment's fault (a missing
 * encryption key, a moved row) and an operator must act.
 */
const FAILS_JOB: ReadonlySet<KeyTestOutcome> = new Set(['undecryptable']);

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

export function isTransientOutcome(outcome: KeyTestOutcome): boolean {
  return TRANSIENT.has(outcome);
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
