import type { BackoffStrategy, MinimalJob } from 'bullmq';
import { retryHintsOf } from './retryable-error.js';

/** The backoff type the key-test queue declares (`QUEUES.keyTests.defaultJobOptions.backoff`). */
export const PROVIDER_BACKOFF_TYPE = 'provider';
/** No retry waits longer than this, whatever a provider asks for. */
export const MAX_BACKOFF_MS = 60_000;
/** Base of the exponential fallback when neither the error nor the job names one. */
export const DEFAULT_BASE_DELAY_MS = 1000;
/** A provider's retry-after is stretched by up to this fraction, so retries of many keys spread out. */
const RETRY_AFTER_JITTER = 0.2;

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
 */
export function providerBackoffDelayMs(input: BackoffInput, settings: BackoffSettings = {}): number {
  const random = settings.random ?? Math.random;
  const cap = settings.maxDelayMs ?? MAX_BACKOFF_MS;
  const hints = retryHintsOf(input.error);
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
