/**
 * When a failed delivery is tried again: exponential backoff from `firstDelayMs`, each delay capped
 * at `maxDelayMs`, for `windowMs` after the delivery was created (or redelivered). With the
 * defaults that is 10 s, 20 s, 40 s … up to an hour apart, about 30 attempts over 24 hours.
 */
export interface RetrySchedule {
  firstDelayMs: number;
  maxDelayMs: number;
  windowMs: number;
}

export const DEFAULT_RETRY_SCHEDULE: RetrySchedule = { firstDelayMs: 10_000, maxDelayMs: 3_600_000, windowMs: 24 * 3_600_000 };

/**
 * The wait after the `failedAttempts`-th failure in a row (1-based). Up to a tenth is taken off at
 * random, so receivers that come back from an outage are not hit by every retry at once.
 */
export function retryDelayMs(schedule: RetrySchedule, failedAttempts: number, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(failedAttempts, 1) - 1, 30);
  const delay = Math.min(schedule.maxDelayMs, schedule.firstDelayMs * 2 ** exponent);
  return Math.round(delay * (1 - 0.1 * random()));
}

/** Thrown by the processor to have BullMQ try again after exactly the delay it recorded. */
export class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError';
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
  }
}

/**
 * The worker's `webhook` backoff strategy: the processor's recorded delay for a failed attempt,
 * and the schedule for anything else thrown (Postgres away, say), counted by BullMQ's attempts.
 */
export function webhookBackoff(schedule: RetrySchedule): (attemptsMade: number, type?: string, error?: Error) => number {
  return (attemptsMade, _type, error) => (error instanceof RetryLaterError ? error.delayMs : retryDelayMs(schedule, attemptsMade));
}
