import { setTimeout as sleep } from 'node:timers/promises';
import type { StoredKeyring } from '@byok/crypto';
import {
  advanceRotation,
  appendAudit,
  bindingBackfillCompletedAt,
  finishRotation,
  lockRotation,
  rewriteStoredKeys,
  startRotation,
  storedKeysAfter,
  type EntityManager,
  type Orm,
  type RotationCounts,
  type RotationProgress,
} from '@byok/db';
import { rotateWebhookSecrets, type WebhookSecretRotation } from '@byok/notifications/webhooks';
import type { Logger } from '@byok/telemetry';
import { countApplied, planKeyRewrites, type RewritePlan } from './key-rewrite.plan.js';

/** What a rotation run needs from outside. */
export interface RotateEncryptionDependencies {
  orm: Orm;
  keyring: StoredKeyring;
  logger: Logger;
  /** Who asked (an admin's user id, `cli:<name>` or `system`), for the audit record. */
  requestedBy: string;
  /** Rows per batch, each batch one transaction; default 500. */
  batchSize?: number;
  /** Pause between batches, to leave the database room under load; default 0. */
  pauseMs?: number;
  /** The maintenance job's id, for the audit record. */
  jobId?: string;
}

/** The counts of the whole rotation (including earlier, interrupted runs of it). */
export interface RotateEncryptionResult extends RotationCounts {
  /** The webhook signing secrets, re-encrypted after the keys (counted by this run only). */
  webhookSecrets?: WebhookSecretRotation;
  targetFingerprint: string;
  /** True when this run continued one cut off earlier. */
  resumed: boolean;
  startedAt: string;
  finishedAt: string | null;
}

/** Audit action of a finished rotation: one record per run, never one per row. */
export const ENCRYPTION_ROTATED_ACTION = 'encryption.rotated';
/** Subject of system-wide audit records (they concern every user's keys). */
export const ALL_USERS_SUBJECT = '*';

const DEFAULT_BATCH_SIZE = 500;

/**
 * Re-encrypts every stored key under the first configured key, and writes each row's binding tag
 * and key fingerprint (which also backfills rows written before tags). Batches of `batchSize` rows
 * walk the table by id (keyset pagination); each batch is one transaction that also moves the
 * cursor in `encryption_rotations`, so a run killed at any point resumes after the last committed
 * batch and loses nothing. Every write is a compare-and-set on the old token, so a user saving a
 * key meanwhile is never overwritten (their new token is already under the first key). Runners
 * take batches under a lock on the progress row, so two at once share the work instead of racing.
 */
export async function rotateEncryption(deps: RotateEncryptionDependencies): Promise<RotateEncryptionResult> {
  const target = deps.keyring.fingerprints[0];
  if (target === undefined) throw new Error('the keyring has no key');
  const batchSize = deps.batchSize ?? DEFAULT_BATCH_SIZE;
  const log = deps.logger.child({ task: 'rotate-encryption', targetFingerprint: target });
  const { progress: start, resumed } = await startRotation(deps.orm.em.fork(), target, deps.requestedBy);
  log.info({ resumed, cursor: start.cursorId, scanned: start.counts.scanned }, resumed ? 'resuming encryption-key rotation' : 'starting encryption-key rotation');
  for (;;) {
    const step = await deps.orm.em.fork().transactional((tx) => rotateOneBatch(tx, deps, target, batchSize, log));
    if (step.done) {
      // Webhook signing secrets follow the keys: a few per user at most, and rewriting them again is a no-op.
      const webhookSecrets = await rotateWebhookSecrets({ orm: deps.orm, keyring: deps.keyring, batchSize });
      log.info({ ...step.progress.counts, webhookSecrets }, 'encryption-key rotation finished');
      return { ...resultOf(step.progress, resumed), webhookSecrets };
    }
    if (deps.pauseMs) await sleep(deps.pauseMs);
  }
}

type BatchStep = { done: true; progress: RotationProgress } | { done: false };

async function rotateOneBatch(tx: EntityManager, deps: RotateEncryptionDependencies, target: string, batchSize: number, log: Logger): Promise<BatchStep> {
  const progress = await lockRotation(tx, target);
  if (progress === null) throw new Error('rotation progress row is missing');
  // Another runner finished it while this one waited for the lock.
  if (progress.finishedAt !== null) return { done: true, progress };
  const page = await storedKeysAfter(tx, progress.cursorId, batchSize);
  const last = page[page.length - 1];
  if (last === undefined) {
    const finished = await finishRotation(tx, target);
    await appendAudit(tx, {
      actorId: 'system',
      actorType: 'system',
      action: ENCRYPTION_ROTATED_ACTION,
      subjectUserId: ALL_USERS_SUBJECT,
      details: { target_fingerprint: target, requested_by: finished.requestedBy, job_id: deps.jobId ?? null, ...snakeCounts(finished.counts), started_at: finished.startedAt.toISOString() },
      idempotencyKey: `${ENCRYPTION_ROTATED_ACTION}:${target}:${finished.startedAt.toISOString()}`,
    });
    return { done: true, progress: finished };
  }
  // Read in the batch's transaction: a backfill that completes meanwhile turns untagged rows into moved ones at once.
  const untagged = (await bindingBackfillCompletedAt(tx)) === null ? 'legacy' : 'moved';
  const plan = planKeyRewrites(deps.keyring, page, 'rotate', untagged);
  const written = await rewriteStoredKeys(tx, plan.rewrites);
  const counts = countApplied(plan, written);
  await advanceRotation(tx, target, last.id, counts);
  logProblems(log, plan);
  return { done: false };
}

/** Rows left alone, by id only (never a token), one line per batch. */
export function logProblems(log: Logger, plan: RewritePlan): void {
  if (plan.problems.length === 0) return;
  log.warn(
    { undecryptable: plan.problems.filter((p) => p.problem === 'undecryptable').map((p) => p.id).slice(0, 50), bindingMismatch: plan.problems.filter((p) => p.problem === 'binding_mismatch').map((p) => p.id).slice(0, 50) },
    'stored keys left as they are: no configured key opens them, or their binding tag belongs to another row',
  );
}

function resultOf(progress: RotationProgress, resumed: boolean): RotateEncryptionResult {
  return { targetFingerprint: progress.targetFingerprint, resumed, ...progress.counts, startedAt: progress.startedAt.toISOString(), finishedAt: progress.finishedAt?.toISOString() ?? null };
}

/** Audit details use snake_case like the rest of the audit log. */
export function snakeCounts(counts: RotationCounts): Record<string, number> {
  return {
    scanned: counts.scanned,
    rotated: counts.rotated,
    recorded: counts.recorded,
    already_current: counts.alreadyCurrent,
    undecryptable: counts.undecryptable,
    binding_mismatch: counts.bindingMismatch,
    conflicts: counts.conflicts,
  };
}
