import type { Logger } from '@byok/telemetry';
import type { Queue } from 'bullmq';

/**
 * How often failed `notifications` jobs go back to waiting. A job fails for good after the
 * catalog's attempts (10, about 17 minutes of exponential backoff): a longer Postgres outage or a
 * channel failing that long would otherwise leave its events stamped dispatched and never
 * delivered, with nothing to drain them again.
 */
export const RETRY_FAILED_NOTIFICATIONS_MS = 5 * 60_000;

/**
 * Moves every failed `notifications` job back to waiting, to be run again from its start: its
 * events are delivered once the fault has cleared (each channel is idempotent per event id, so
 * what a failed run already delivered is not delivered twice). A job that fails again is failed
 * anew, so its `removeOnFail` age (30 days) starts over; what bounds an outage is the outbox: its
 * dispatched rows are pruned after about 40 days, and a job whose events are gone delivers nothing.
 * Returns how many jobs it moved.
 */
export async function retryFailedNotifications(queue: Queue, logger: Logger): Promise<number> {
  const failed = await queue.getFailedCount();
  if (failed === 0) return 0;
  await queue.retryJobs({ state: 'failed' });
  logger.warn({ jobs: failed }, 'failed notification jobs moved back to waiting');
  return failed;
}
