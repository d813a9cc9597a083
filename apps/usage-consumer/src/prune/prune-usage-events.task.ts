import { pruneUsageEvents, type Orm } from '@byok/db';
import { QUEUES, type MaintenanceJob } from '@byok/queues';
import { UnrecoverableError } from 'bullmq';
import Value from 'typebox/value';

const DAY_MS = 24 * 3600 * 1000;

export interface PruneTaskDependencies {
  orm: Orm;
  retentionDays: number;
  batchSize: number;
}

/** What a prune job returns (counts only). */
export interface PruneResult {
  deleted: number;
  olderThan: string;
}

/**
 * The processor of the usage maintenance queue: deletes raw usage events older than the
 * retention, in batches. Aggregates and the ledger stay. Safe to re-run at any time.
 */
export function createPruneProcessor(deps: PruneTaskDependencies) {
  return async function processPrune(job: { data: unknown }): Promise<PruneResult> {
    if (!Value.Check(QUEUES.maintenance.schema, job.data)) throw new UnrecoverableError('maintenance payload does not match its schema');
    const data = job.data as MaintenanceJob;
    if (data.task !== 'prune-usage-events') throw new UnrecoverableError(`the usage consumer has no handler for maintenance task "${data.task}"`);
    const olderThan = new Date(Date.now() - deps.retentionDays * DAY_MS);
    const deleted = await pruneUsageEvents(deps.orm.em.fork(), olderThan, deps.batchSize);
    return { deleted, olderThan: olderThan.toISOString() };
  };
}
