import type { MaintenanceJob } from '@byok/queues';
import type { Queue } from 'bullmq';

/** Id of the job scheduler that starts scheduled re-validation. */
export const REVALIDATION_SCHEDULER_ID = 'revalidate-keys';

/**
 * Makes the maintenance queue's re-validation schedule match the configured interval: upserted
 * when the interval is positive, removed when it is 0 so turning it off takes effect without
 * touching Redis by hand.
 *
 * A new scheduler's first run comes one interval after it is created (`startDate`), not at once:
 * BullMQ runs an `every` scheduler without a start date immediately, so every fresh deployment (and
 * every test's fresh Redis prefix) re-tested every key the moment a worker started. BullMQ reads
 * `startDate` only when the scheduler has no next run yet; for an existing scheduler with the same
 * interval the upsert replaces its pending job in the same slot, so restarts and instances booting
 * together neither reset nor duplicate the schedule. A changed interval starts over from now.
 */
export async function syncRevalidationSchedule(queue: Queue, intervalMs: number): Promise<'scheduled' | 'off'> {
  if (intervalMs <= 0) {
    await queue.removeJobScheduler(REVALIDATION_SCHEDULER_ID);
    return 'off';
  }
  const data: MaintenanceJob = { task: 'revalidate-keys', requestedBy: 'system' };
  await queue.upsertJobScheduler(REVALIDATION_SCHEDULER_ID, { every: intervalMs, startDate: Date.now() + intervalMs }, { name: data.task, data });
  return 'scheduled';
}
