import type { Config } from '@byok/config';
import { describeKeyCoverage, keyFingerprints } from '@byok/crypto';
import { appendAudit, countKeysByFingerprint, findRotation, type EntityManager, type RotationProgress } from '@byok/db';
import type { Producers } from '@byok/queues';
import type { Actor } from '../http/actor.js';
import type { EncryptionStatusView, RotationStarted, RotationView } from './encryption-rotation.schemas.js';

/** Audit action of a rotation request (the worker writes `encryption.rotated` when it finishes). */
const ROTATION_STARTED_ACTION = 'encryption.rotation_started';
/** Subject of system-wide audit records; the worker's `encryption.rotated` uses the same. */
const ALL_USERS_SUBJECT = '*';
/** One rotation job at a time: a second request while one is queued or running joins it. */
const ROTATION_JOB_DEDUP_ID = 'rotate-encryption';

export interface EncryptionRotationDependencies {
  producers: Producers;
  /** The configured keys, first one encrypting; only their fingerprints leave this service. */
  encryptionKeys: Config['encryptionKeys'];
}

export type EncryptionRotationService = ReturnType<typeof createEncryptionRotationService>;

/**
 * Encryption-key rotation: starting one (a `rotate-encryption` maintenance job the worker runs)
 * and reporting which configured key covers how many stored keys. Fingerprints only, never key
 * material.
 */
export function createEncryptionRotationService(deps: EncryptionRotationDependencies) {
  const fingerprints = keyFingerprints(deps.encryptionKeys);
  const target = fingerprints[0] ?? '';
  return {
    async start(em: EntityManager, actor: Actor): Promise<RotationStarted> {
      // The audit record and the job stand or fall together: Redis refusing the job rolls back the record (503).
      const job = await em.transactional(async (tx) => {
        await appendAudit(tx, { ...actor, action: ROTATION_STARTED_ACTION, subjectUserId: ALL_USERS_SUBJECT, details: { target_fingerprint: target, configured_keys: fingerprints.length } });
        return deps.producers.maintenance.enqueue({ task: 'rotate-encryption', requestedBy: actor.actorId }, { deduplication: { id: ROTATION_JOB_DEDUP_ID } });
      });
      return { job_id: job.id, target_fingerprint: target };
    },

    async status(em: EntityManager): Promise<EncryptionStatusView> {
      const coverage = describeKeyCoverage(await countKeysByFingerprint(em), fingerprints);
      const rotation = await findRotation(em, target);
      return {
        keys: coverage.keys,
        unknown_keys: coverage.unknownKeys,
        undecryptable_rows: coverage.unknownKeys.reduce((sum, k) => sum + k.rows, 0),
        unrecorded_rows: coverage.unrecordedRows,
        untagged_rows: coverage.untaggedRows,
        total_rows: coverage.totalRows,
        rotation: rotation === null ? null : rotationView(rotation),
      };
    },
  };
}

function rotationView(progress: RotationProgress): RotationView {
  const c = progress.counts;
  return {
    target_fingerprint: progress.targetFingerprint,
    state: progress.finishedAt === null ? ('unfinished' as const) : ('finished' as const),
    scanned: c.scanned,
    rotated: c.rotated,
    recorded: c.recorded,
    already_current: c.alreadyCurrent,
    undecryptable: c.undecryptable,
    binding_mismatch: c.bindingMismatch,
    conflicts: c.conflicts,
    requested_by: progress.requestedBy,
    started_at: progress.startedAt.toISOString(),
    updated_at: progress.updatedAt.toISOString(),
    finished_at: progress.finishedAt?.toISOString() ?? null,
  };
}
