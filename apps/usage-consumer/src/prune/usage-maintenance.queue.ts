import { QUEUES, type MaintenanceJob } from '@byok/queues';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * The usage consumer's own maintenance queue. Its jobs are catalog `MaintenanceJob`s
 * (`task: 'prune-usage-events'`), but they cannot go on the catalog's `maintenance` queue: the
 * worker consumes that one and fails, without retry, every task it has no handler for, and a
 * task that only this app can run would land on the worker about half of the time.
 */
export const USAGE_MAINTENANCE_QUEUE = 'usage-maintenance';

/** Id of the job scheduler that starts the daily prune. */
export const PRUNE_SCHEDULER_ID = 'prune-usage-events';

export function createUsageMaintenanceQueue(connection: Redis, prefix: string): Queue {
  const queue = new Queue(USAGE_MAINTENANCE_QUEUE, { connection, prefix, defaultJobOptions: QUEUES.maintenance.defaultJobOptions });
  // Connection errors surface through the calls that need Redis; without a listener they would crash the process.
  queue.on('error', () => undefined);
  return queue;
}

/**
 * Makes the prune schedule match the interval: upserted when positive (idempotent, so every
 * instance may do it at boot, and the next run keeps its slot when nothing changed), removed at 0.
 */
export async function syncPruneSchedule(queue: Queue, everyMs: number): Promise<'scheduled' | 'off'> {
  if (everyMs <= 0) {
    await queue.removeJobScheduler(PRUNE_SCHEDULER_ID);
    return 'off';
  }
  const data: MaintenanceJob = { task: 'prune-usage-events', requestedBy: 'system' };
  await queue.upsertJobScheduler(PRUNE_SCHEDULER_ID, { every: everyMs }, { name: data.task, data });
  return 'scheduled';
}
