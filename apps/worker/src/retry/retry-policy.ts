import type { BackoffStrategy, MinimalJob } from 'bullmq';
import type { KeyTestOutcome } from '../key-test/key-test.check.js';

/**
 * The key-test worker's retry policy, in one place: which runs may be retried (the attempt
 * budget), which outcomes are worth another provider call, how long to wait before each retry
 * (the `provider` backoff strategy), and the error that carries the wait's hints. A failure caused
 * by Postgres or Redis being away is not retried here: it spends no attempt (`outage-retry.ts`).
 */

/** The backoff type the key-test queue declares (`QUEUES.keyTests.defaultJobOptions.backoff`). */
export const PROVIDER_BACKOFF_TYPE = 'provider';
/** No retry waits longer than this, whatever a provider asks for. */
export const MAX_BACKOFF_MS = 60_000;
/** Base of the exponential fallback when neither the error nor the job names one. */
export const DEFAULT_BASE_DELAY_MS = 1000;
/** A provider's retry-after is stretched by up to this fraction, so retries of many keys spread out. */
const RETRY_AFTER_JITTER = 0.2;

/** Outcomes worth another provider call later. */
const TRANSIENT: ReadonlySet<KeyTestOutcome> = new Set(['rate_limited', 'unreachable']);

/**
 * Base delays of the "not yet visible" retry. The API enqueues a test inside the transaction that
 * saves the key (or stages its replacement), so the job can arrive a moment before that commits;
 * waits of 0.25–0.5 s, 0.5–1 s, 1–2 s, … (0.1–0.2 s, … for a candidate, which a person waits for)
 * are far longer than a commit takes.
 */
const NOT_VISIBLE_BASE_DELAY_MS = { 'key version': 500, 'key candidate': 200 } as const;

/** Hints a transient failure gives the backoff strategy about when to try again. */
export interface RetryHints {
  /** The provider's own retry-after; honoured (plus a little jitter) up to the backoff cap. */
  retryAfterMs?: number;
  /** Replaces the job's base delay for the exponential fallback. */
  baseDelayMs?: number;
}

/**
 * A transient reason to run a job again later. BullMQ hands the thrown error to the worker's
 * backoff strategy, which reads the hints from it. The message becomes the job's failed reason,
 * so it must never contain key material.
 */
export class RetryableJobError extends Error {
  override readonly name: string = 'RetryableJobError';
  readonly retryAfterMs: number | undefined;
  readonly baseDelayMs: number | undefined;

  constructor(message: string, hints: RetryHints = {}) {
    super(message);
    this.retryAfterMs = hints.retryAfterMs;
    this.baseDelayMs = hints.baseDelayMs;
  }
}

/** Which run of a job this is, and how many runs each kind of retry may use. */
export interface AttemptBudget {
  /** 1 for the first run; a run cut short by a crash (stalled job) keeps its number. */
  attempt: number;
  /** BullMQ's own bound: `job.opts.attempts` (5 from the queue catalog). */
  runLimit: number;
  /**
   * Bound on provider calls for transient outcomes: min(job attempts, KEY_TEST_MAX_ATTEMPTS).
   * The job's attempts come from the producer, the config from this deployment; the smaller wins so
   * an operator can lower provider traffic without re-enqueueing jobs, and a producer asking for
   * fewer attempts is never overridden upwards.
   */
  providerLimit: number;
}

/** The attempt budget of a job as BullMQ hands it to the processor. */
export function attemptBudget(job: { attemptsMade: number; opts: { attempts?: number } }, maxProviderAttempts: number): AttemptBudget {
  const runLimit = Math.max(1, Math.floor(job.opts.attempts ?? 1));
  return {
    attempt: job.attemptsMade + 1,
    runLimit,
    providerLimit: Math.max(1, Math.min(runLimit, Math.floor(maxProviderAttempts))),
  };
}

export function isTransientOutcome(outcome: KeyTestOutcome): boolean {
  return TRANSIENT.has(outcome);
}

/**
 * The error to throw for another provider call later, or undefined when the check is final: its
 * outcome is not transient, or the job spent its provider budget (the transient verdict is then
 * recorded).
 */
export function transientRetry(check: { outcome: KeyTestOutcome; message: string; retryAfterMs?: number }, budget: AttemptBudget): RetryableJobError | undefined {
  if (!isTransientOutcome(check.outcome) || budget.attempt >= budget.providerLimit) return undefined;
  return new RetryableJobError(check.message, check.retryAfterMs === undefined ? {} : { retryAfterMs: check.retryAfterMs });
}

/**
 * The error to throw to look again for a row whose save may not have committed yet, or undefined
 * when this is the job's last run (the save was rolled back, or the key deleted: nothing to test).
 */
export function notVisibleRetry(what: keyof typeof NOT_VISIBLE_BASE_DELAY_MS, budget: AttemptBudget): RetryableJobError | undefined {
  if (budget.attempt >= budget.runLimit) return undefined;
  return new RetryableJobError(`${what} not visible yet (its save may not have committed)`, { baseDelayMs: NOT_VISIBLE_BASE_DELAY_MS[what] });
}

/** Inputs of one backoff decision. */
export interface BackoffInput {
  /** Attempts made including the one that just failed (BullMQ passes `attemptsMade + 1`). */
  attemptsMade: number;
  error?: unknown;
  /** The job's own `backoff.delay`. */
  jobBaseDelayMs?: number;
}

/** Tunables, for tests that need a fixed random source. */
export interface BackoffSettings {
  maxDelayMs?: number;
  random?: () => number;
}

/**
 * How long to wait before the next attempt:
 * - the provider said retry-after → wait that long plus up to 20 % jitter (never less);
 * - otherwise exponential from the base delay (the error's, else the job's, else 1 s), doubling per
 *   attempt, with "equal jitter" (half fixed, half random) so a burst of failures does not retry in
 *   lockstep;
 * - always capped at `maxDelayMs` (60 s).
 * Errors that are not a `RetryableJobError` (a bug) carry no hints and take the fallback.
 */
export function providerBackoffDelayMs(input: BackoffInput, settings: BackoffSettings = {}): number {
  const random = settings.random ?? Math.random;
  const cap = settings.maxDelayMs ?? MAX_BACKOFF_MS;
  const hints: RetryHints = input.error instanceof RetryableJobError ? input.error : {};
  if (hints.retryAfterMs !== undefined && hints.retryAfterMs >= 0) {
    return Math.floor(Math.min(cap, hints.retryAfterMs * (1 + RETRY_AFTER_JITTER * random())));
  }
  const base = hints.baseDelayMs ?? input.jobBaseDelayMs ?? DEFAULT_BASE_DELAY_MS;
  const exponent = Math.max(0, input.attemptsMade - 1);
  const ceiling = Math.min(cap, base * 2 ** exponent);
  return Math.floor(ceiling / 2 + (ceiling / 2) * random());
}

/** The job's configured base delay (`backoff: { type, delay }` or a bare number), if any. */
function jobBaseDelayMs(job: MinimalJob | undefined): number | undefined {
  const backoff = job?.opts.backoff;
  if (typeof backoff === 'number') return backoff;
  return typeof backoff?.delay === 'number' ? backoff.delay : undefined;
}

/**
 * The worker's custom backoff strategy (`settings.backoffStrategy`). BullMQ calls it for every
 * backoff type that is not built in; every such type is treated as `provider`.
 */
export function createProviderBackoff(settings: BackoffSettings = {}): BackoffStrategy {
  return (attemptsMade, _type, error, job) => {
    const base = jobBaseDelayMs(job);
    return providerBackoffDelayMs({ attemptsMade, error, ...(base === undefined ? {} : { jobBaseDelayMs: base }) }, settings);
  };
}
