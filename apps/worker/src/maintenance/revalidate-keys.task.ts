import type { Orm } from '@byok/db';
import { isProviderId } from '@byok/providers';
import type { Producer } from '@byok/queues';
import type { Logger } from '@byok/telemetry';
import { countEnabledKeys, enabledKeysAfter, type EnabledKeyRef } from './enabled-keys.query.js';

/** What scheduled re-validation needs from outside. */
export interface RevalidateKeysDependencies {
  orm: Orm;
  keyTests: Producer<'keyTests'>;
  logger: Logger;
  /** The tests are spread evenly over this window (the schedule's interval); 0 enqueues them all now. */
  spreadMs: number;
  /** Keys read per page; default 1000. */
  batchSize?: number;
  /** Goes into each test's request id, so the audit trail names the run that asked. */
  runId?: string;
}

/** Counts of one re-validation run. */
export interface RevalidateKeysResult {
  enabledKeys: number;
  enqueued: number;
  /** Rows whose provider this version does not know (e.g. left by the earlier system). */
  skippedUnknownProvider: number;
}

const DEFAULT_BATCH_SIZE = 1000;
/** Adds in flight at once: enough to pipeline over one connection, few enough to stay under the producer timeout. */
const ENQUEUE_CHUNK = 100;

/**
 * Enqueues a `scheduled` test for every enabled key, the i-th of n delayed by i·spread/n so the
 * providers see an even trickle rather than a burst. Each job is deduplicated by
 * `${keyId}:${keyVersion}` (the id the API uses for a new key's test), so a run that is retried, or
 * that overlaps a test still pending from the previous run, adds nothing twice.
 */
export async function revalidateKeys(deps: RevalidateKeysDependencies): Promise<RevalidateKeysResult> {
  const batchSize = deps.batchSize ?? DEFAULT_BATCH_SIZE;
  const enabledKeys = await countEnabledKeys(deps.orm.em.fork());
  const result: RevalidateKeysResult = { enabledKeys, enqueued: 0, skippedUnknownProvider: 0 };
  let index = 0;
  for (let after: string | null = null; ; ) {
    const page = await enabledKeysAfter(deps.orm.em.fork(), after, batchSize);
    if (page.length === 0) break;
    const start = index;
    index += page.length;
    after = page[page.length - 1]?.id ?? null;
    const counts = await enqueuePage(deps, page, start, Math.max(enabledKeys, index));
    result.enqueued += counts.enqueued;
    result.skippedUnknownProvider += counts.skipped;
  }
  deps.logger.info(result, 'scheduled key re-validation enqueued');
  return result;
}

async function enqueuePage(deps: RevalidateKeysDependencies, page: EnabledKeyRef[], start: number, total: number): Promise<{ enqueued: number; skipped: number }> {
  let enqueued = 0;
  let skipped = 0;
  for (let offset = 0; offset < page.length; offset += ENQUEUE_CHUNK) {
    const chunk = page.slice(offset, offset + ENQUEUE_CHUNK);
    await Promise.all(
      chunk.map(async (key, i) => {
        const provider = key.provider;
        if (!isProviderId(provider)) {
          skipped += 1;
          return;
        }
        const delay = Math.floor(((start + offset + i) * deps.spreadMs) / total);
        await deps.keyTests.enqueue(
          { keyId: key.id, keyVersion: key.keyVersion, userId: key.userId, provider, reason: 'scheduled', actorId: 'system', ...(deps.runId ? { requestId: deps.runId } : {}) },
          { delay, deduplication: { id: `${key.id}:${key.keyVersion}` } },
        );
        enqueued += 1;
      }),
    );
  }
  return { enqueued, skipped };
}
