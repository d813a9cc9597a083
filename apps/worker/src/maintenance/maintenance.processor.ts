import { QUEUES, type MaintenanceJob } from '@byok/queues';
import { UnrecoverableError, type Job } from 'bullmq';
import Value from 'typebox/value';

export type MaintenanceTask = MaintenanceJob['task'];

/** One maintenance task; its return value (counts, never key material) becomes the job's. */
export type MaintenanceHandler = (job: { id: string; data: MaintenanceJob }) => Promise<object>;

export type MaintenanceHandlers = Partial<Record<MaintenanceTask, MaintenanceHandler>>;

/**
 * Dispatches maintenance jobs by `task` through a record of handlers, so adding a task is one entry
 * rather than another branch. A task without a handler fails without retry: retrying cannot make
 * a handler appear, and the failed job shows up on the dashboard.
 */
export function createMaintenanceProcessor(handlers: MaintenanceHandlers) {
  return async function processMaintenance(job: Pick<Job<unknown>, 'id' | 'data'>): Promise<object> {
    if (!Value.Check(QUEUES.maintenance.schema, job.data)) throw new UnrecoverableError('maintenance payload does not match its schema');
    const data = job.data as MaintenanceJob;
    const handler = handlers[data.task];
    if (handler === undefined) throw new UnrecoverableError(`this worker has no handler for maintenance task "${data.task}"`);
    return handler({ id: job.id ?? '', data });
  };
}
