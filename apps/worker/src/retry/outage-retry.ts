import { isDatabaseUnavailable } from '@byok/db';
import { isRedisUnavailable } from '@byok/queues';
import { DelayedError, type Job } from 'bullmq';

/** Base of the outage retry's exponential wait: 1 s, 2 s, 4 s, … up to the cap. */
export const OUTAGE_BASE_DELAY_MS = 1000;

/**
 * True when a job failed because Postgres or Redis could not be reached, not because of anything
 * about the job. Such a failure says nothing about the key, so it must not spend the job's attempts.
 */
export function isInfrastructureOutage(error: unknown): boolean {
  return isDatabaseUnavailable(error) || isRedisUnavailable(error);
}

/**
 * Wait before the `retries`-th consecutive outage retry (1-based): exponential from 1 s with equal
 * jitter (half fixed, half random, so the jobs of one outage do not return in lockstep), capped at
 * `maxDelayMs` (`KEY_TEST_OUTAGE_RETRY_MAX_MS`).
 */
export function outageRetryDelayMs(retries: number, maxDelayMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxDelayMs, OUTAGE_BASE_DELAY_MS * 2 ** Math.min(30, Math.max(0, retries - 1)));
  return Math.floor(ceiling / 2 + (ceiling / 2) * random());
}

/**
 * Moves the job back to the delayed set without counting an attempt (BullMQ's `moveToDelayed`
 * skips the attempt; the `DelayedError` tells the worker the job was moved, not failed), so an
 * outage of any length costs the job nothing: it runs again once the outage is over. Its runs so
 * far minus its counted attempts is how many outage retries it already had.
 *
 * When Redis itself is away the move fails too; the original error is then rethrown and BullMQ
 * cannot record it either: the job's lock lapses and the stalled check hands it back once Redis
 * returns (`maxStalledCount` allows 10 such takeovers).
 */
export async function deferForOutage(job: Pick<Job, 'attemptsStarted' | 'attemptsMade' | 'moveToDelayed'>, token: string | undefined, error: unknown, maxDelayMs: number): Promise<never> {
  const retries = Math.max(1, job.attemptsStarted - job.attemptsMade);
  const delayMs = outageRetryDelayMs(retries, maxDelayMs);
  try {
    await job.moveToDelayed(Date.now() + delayMs, token);
  } catch {
    throw error;
  }
  throw new DelayedError(`infrastructure unavailable; retrying in ${delayMs} ms without spending an attempt`);
}
