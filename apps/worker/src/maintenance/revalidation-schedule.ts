import type { MaintenanceJob } from '@byok/queues';
import type { Queue } from 'bullmq';

/** Id of the job scheduler that starts scheduled re-validation. */
export const REVALIDATION_SCHEDULER_ID = 'revalidate-keys';

/**
 * Makes the maintenance queue's re-validation schedule match the configured interval: upserted
 * when the interval is positive (idempotent, so every worker instance may do it at boot, and the
 * next run keeps its slot when the interval is unchanged), removed when it is 0 so turning it off
 * takes effect without touching Redis by hand.
 */
export async function syncRevalidationSchedule(queue: Queue, intervalMs: number): Promise<'scheduled' | 'off'> {
  if (intervalMs <= 0) {
    await queue.removeJobScheduler(REVALIDATION_SCHEDULER_ID);
    return 'off';
  }
  const data: MaintenanceJob = { task: 'revalidate-keys', requestedBy: 'system' };
  await queue.upsertJobScheduler(REVALIDATION_SCHEDULER_ID, { every: intervalMs }, { name: data.task, data });
  return 'scheduled';
}
