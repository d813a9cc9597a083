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

/** The delay hints carried by an error, or none when it is not a RetryableJobError (a bug, Postgres away). */
export function retryHintsOf(error: unknown): RetryHints {
  if (!(error instanceof RetryableJobError)) return {};
  return {
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    ...(error.baseDelayMs === undefined ? {} : { baseDelayMs: error.baseDelayMs }),
  };
}
