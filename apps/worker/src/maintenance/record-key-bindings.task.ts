import type { StoredKeyring } from '@byok/crypto';
import {
  appendAudit,
  bindingBackfillCompletedAt,
  emptyRotationCounts,
  recordBindingBackfillCompleted,
  rewriteStoredKeys,
  storedKeysAfter,
  type Orm,
  type RotationCounts,
} from '@byok/db';
import type { Logger } from '@byok/telemetry';
import { addCounts, countApplied, planKeyRewrites } from './key-rewrite.plan.js';
import { ALL_USERS_SUBJECT, logProblems, snakeCounts } from './rotate-encryption.task.js';

/** What the binding backfill needs from outside. */
export interface RecordKeyBindingsDependencies {
  orm: Orm;
  keyring: StoredKeyring;
  logger: Logger;
  /** Rows read per page; default 500. */
  batchSize?: number;
}

/** Audit action when the backfill bound rows that had no tag or fingerprint. */
export const KEY_BINDINGS_RECORDED_ACTION = 'encryption.bindings_recorded';

const DEFAULT_BATCH_SIZE = 500;

/**
 * Writes the binding tag and key fingerprint of rows that lack them (the earlier system's rows,
 * and rows saved by code that did not bind), without re-encrypting anything: tokens stay under
 * the key they are under, so this is safe while instances with different key lists run side by
 * side. Runs with the hint backfill on every boot; reads only rows missing a tag or fingerprint,
 * so once done it costs one index scan. Rows whose tag belongs to another row are never re-tagged.
 * One audit record per run that bound anything.
 *
 * Binds legacy rows once only (#12.3): the first pass that reaches the end records
 * `binding_backfill_completed` in `byok_state`, and every later pass treats a row without a tag as
 * a token moved there with its tag cleared: it is counted as a binding mismatch and left refused,
 * never bound to the row it was moved into. The same record makes every process require tags
 * (`BYOK_REQUIRE_BINDING=auto`).
 */
export async function recordKeyBindings(deps: RecordKeyBindingsDependencies): Promise<RotationCounts> {
  const batchSize = deps.batchSize ?? DEFAULT_BATCH_SIZE;
  const log = deps.logger.child({ task: 'record-key-bindings' });
  const completedAt = await bindingBackfillCompletedAt(deps.orm.em.fork());
  const untagged = completedAt === null ? 'legacy' : 'moved';
  let total = emptyRotationCounts();
  for (let after: string | null = null; ; ) {
    const em = deps.orm.em.fork();
    const page = await storedKeysAfter(em, after, batchSize, { onlyUnrecorded: true });
    const last = page[page.length - 1];
    if (last === undefined) break;
    const plan = planKeyRewrites(deps.keyring, page, 'record', untagged);
    total = addCounts(total, countApplied(plan, await rewriteStoredKeys(em, plan.rewrites)));
    logProblems(log, plan);
    after = last.id;
  }
  if (total.recorded > 0) {
    await appendAudit(deps.orm.em.fork(), {
      actorId: 'system',
      actorType: 'system',
      action: KEY_BINDINGS_RECORDED_ACTION,
      subjectUserId: ALL_USERS_SUBJECT,
      details: snakeCounts(total),
    });
  }
  if (completedAt === null) await recordBindingBackfillCompleted(deps.orm.em.fork(), snakeCounts(total));
  log.info({ ...total, untaggedRows: untagged }, 'key binding backfill finished');
  return total;
}
