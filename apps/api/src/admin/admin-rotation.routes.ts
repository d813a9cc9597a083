import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { Config } from '@byok/config';
import { describeKeyCoverage, keyFingerprints } from '@byok/crypto';
import { appendAudit, countKeysByFingerprint, findRotation, type RotationProgress } from '@byok/db';
import { auditContext } from '@byok/http';
import type { Producers } from '@byok/queues';
import { errorResponses } from '../http/error-responses.js';

const errors = errorResponses(401, 403, 503);

/** Audit action of a rotation request (the worker writes `encryption.rotated` when it finishes). */
export const ROTATION_STARTED_ACTION = 'encryption.rotation_started';
/** Subject of system-wide audit records; the worker's `encryption.rotated` uses the same. */
const ALL_USERS_SUBJECT = '*';
/** One rotation job at a time: a second request while one is queued or running joins it. */
const ROTATION_JOB_DEDUP_ID = 'rotate-encryption';

const RotationView = Type.Object({
  target_fingerprint: Type.String(),
  /** `unfinished` covers a running rotation and one cut off by a crash (rerun to resume it). */
  state: Type.Union([Type.Literal('unfinished'), Type.Literal('finished')]),
  scanned: Type.Integer(),
  rotated: Type.Integer(),
  recorded: Type.Integer(),
  already_current: Type.Integer(),
  undecryptable: Type.Integer(),
  binding_mismatch: Type.Integer(),
  conflicts: Type.Integer(),
  requested_by: Type.String(),
  started_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  finished_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

const StatusView = Type.Object({
  keys: Type.Array(Type.Object({ index: Type.Integer(), fingerprint: Type.String(), rows: Type.Integer(), untagged: Type.Integer() })),
  unknown_keys: Type.Array(Type.Object({ fingerprint: Type.String(), rows: Type.Integer() })),
  undecryptable_rows: Type.Integer({ description: 'Rows recorded under a key that is not configured.' }),
  unrecorded_rows: Type.Integer({ description: 'Rows with no recorded key fingerprint yet; `npm run keys:verify` decrypts them.' }),
  untagged_rows: Type.Integer(),
  total_rows: Type.Integer(),
  rotation: Type.Union([RotationView, Type.Null()], { description: 'The rotation towards the first configured key, if one was started.' }),
});

/**
 * Encryption-key rotation for admins, under /api/v1/admin/byok: start one (a `rotate-encryption`
 * maintenance job the worker runs) and see which configured key covers how many stored keys.
 * Fingerprints only, never key material.
 */
export const adminRotationRoutes: FastifyPluginAsyncTypebox<{ producers: Producers; config: Pick<Config, 'encryptionKeys'> }> = async (app, { producers, config }) => {
  app.addHook('onRequest', app.requireAdmin);
  const fingerprints = keyFingerprints(config.encryptionKeys);
  const target = fingerprints[0] ?? '';

  app.post('/encryption/rotate', {
    schema: {
      tags: ['admin'],
      summary: 'Re-encrypt every stored key under the first configured encryption key',
      description: 'Starts (or joins) the rotate-encryption maintenance job. Add the new key first in BYOK_ENCRYPTION_KEYS on every instance before calling this.',
      response: { 202: Type.Object({ job_id: Type.String(), target_fingerprint: Type.String() }), ...errors },
    },
    handler: async (request, reply) => {
      const actor = auditContext(request);
      // The audit record and the job stand or fall together: Redis refusing the job rolls back the record (503).
      const job = await request.em.transactional(async (tx) => {
        await appendAudit(tx, { ...actor, action: ROTATION_STARTED_ACTION, subjectUserId: ALL_USERS_SUBJECT, details: { target_fingerprint: target, configured_keys: fingerprints.length } });
        return producers.maintenance.enqueue({ task: 'rotate-encryption', requestedBy: actor.actorId }, { deduplication: { id: ROTATION_JOB_DEDUP_ID } });
      });
      return reply.code(202).send({ job_id: job.id, target_fingerprint: target });
    },
  });

  app.get('/encryption/status', {
    schema: {
      tags: ['admin'],
      summary: 'Stored keys per configured encryption key, from recorded key fingerprints',
      response: { 200: StatusView, ...errors },
    },
    handler: async (request) => {
      const coverage = describeKeyCoverage(await countKeysByFingerprint(request.em), fingerprints);
      const rotation = await findRotation(request.em, target);
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
  });
};

function rotationView(progress: RotationProgress) {
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
