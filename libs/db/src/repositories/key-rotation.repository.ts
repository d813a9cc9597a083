import type { EntityManager } from '@mikro-orm/postgresql';
import type { ProviderKey } from '../entities/provider-key.entity.js';
import { anyCause } from '../errors.js';
import { toDate, toDateOrNull } from './column-values.js';
import { executePrepared } from './prepared-query.js';
import { executeRedacted } from './redacted-execute.js';

/**
 * Reads and writes for encryption-key rotation, key fingerprints and binding tags. Every write of
 * a token is a compare-and-set on the token it replaces, so a user's concurrent save always wins;
 * those statements carry tokens as values, hence `executeRedacted`.
 */

/** A stored token with what identifies and binds it. */
export interface StoredKeyRow {
  id: string;
  userId: string;
  provider: string;
  token: string;
  bindingTag: string | null;
  keyFingerprint: string | null;
}

/** Rows per recorded key fingerprint (null: not recorded yet), and how many of them are untagged. */
export interface FingerprintRowCount {
  fingerprint: string | null;
  rows: number;
  untagged: number;
}

/** What the boot check can rely on: no table yet, the table before fingerprints, or all columns. */
export type StoredKeysSchema = 'absent' | 'without_fingerprints' | 'current';

/** Which of the columns the checks read exist, so a check at boot works before migrations ran. */
export async function storedKeysSchema(em: EntityManager): Promise<StoredKeysSchema> {
  const rows = await em.execute<Array<{ column_name: string }>>(
    `SELECT column_name FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = 'user_provider_keys' AND column_name IN ('id', 'key_fingerprint', 'binding_tag')`,
  );
  const names = new Set(rows.map((r) => r.column_name));
  if (!names.has('id')) return 'absent';
  return names.has('key_fingerprint') && names.has('binding_tag') ? 'current' : 'without_fingerprints';
}

/** Row counts per recorded fingerprint: one index-backed GROUP BY, cheap at any table size. */
export async function countKeysByFingerprint(em: EntityManager): Promise<FingerprintRowCount[]> {
  const rows = await em.execute<Array<{ fingerprint: string | null; rows: string | number; untagged: string | number }>>(
    `SELECT key_fingerprint AS fingerprint, count(*) AS rows, count(*) FILTER (WHERE binding_tag IS NULL) AS untagged
     FROM user_provider_keys GROUP BY key_fingerprint`,
  );
  return rows.map((r) => ({ fingerprint: r.fingerprint, rows: Number(r.rows), untagged: Number(r.untagged) }));
}

/**
 * Rows without a recorded fingerprint (every row when the column does not exist yet), the first
 * `limit` by id. Ids are random UUIDs, so the first ones by id are a random sample. Selects only the
 * earlier system's columns, so it works on a database that has not been migrated.
 */
export async function sampleUnrecordedKeys(em: EntityManager, limit: number, schema: StoredKeysSchema): Promise<Array<Omit<StoredKeyRow, 'bindingTag' | 'keyFingerprint'>>> {
  if (schema === 'absent') return [];
  const where = schema === 'current' ? 'WHERE key_fingerprint IS NULL' : '';
  const rows = await em.execute<Array<{ id: string; user_id: string; provider: string; api_key_encrypted: string }>>(
    `SELECT id, user_id, provider, api_key_encrypted FROM user_provider_keys ${where} ORDER BY id LIMIT ?`,
    [limit],
  );
  return rows.map((r) => ({ id: r.id, userId: r.user_id, provider: r.provider, token: r.api_key_encrypted }));
}

/**
 * Up to `limit` webhook signing secrets (Fernet tokens of the same keyring, rotated with the keys),
 * in id order (random UUIDs, so a random sample); none before the webhooks migration ran.
 */
export async function sampleWebhookSecrets(em: EntityManager, limit: number): Promise<Array<{ id: string; token: string }>> {
  const [table] = await em.execute<Array<{ present: boolean }>>("SELECT to_regclass('webhooks') IS NOT NULL AS present");
  if (table?.present !== true) return [];
  const rows = await em.execute<Array<{ id: string; secret_encrypted: string }>>('SELECT id, secret_encrypted FROM webhooks ORDER BY id LIMIT ?', [limit]);
  return rows.map((r) => ({ id: r.id, token: r.secret_encrypted }));
}

/** How many rows have no recorded fingerprint. */
export async function countUnrecordedKeys(em: EntityManager, schema: StoredKeysSchema): Promise<number> {
  if (schema === 'absent') return 0;
  const where = schema === 'current' ? 'WHERE key_fingerprint IS NULL' : '';
  const rows = await em.execute<Array<{ n: string | number }>>(`SELECT count(*) AS n FROM user_provider_keys ${where}`);
  return Number(rows[0]?.n ?? 0);
}

/**
 * One page of stored tokens after `afterId`, in id order (keyset pagination: stable under inserts,
 * fast at any depth). `onlyUnrecorded` keeps rows missing a fingerprint or a tag.
 */
export async function storedKeysAfter(em: EntityManager, afterId: string | null, limit: number, options: { onlyUnrecorded?: boolean } = {}): Promise<StoredKeyRow[]> {
  const unrecorded = options.onlyUnrecorded === true ? 'AND (key_fingerprint IS NULL OR binding_tag IS NULL)' : '';
  const rows = await em.execute<Array<{ id: string; user_id: string; provider: string; api_key_encrypted: string; binding_tag: string | null; key_fingerprint: string | null }>>(
    `SELECT id, user_id, provider, api_key_encrypted, binding_tag, key_fingerprint FROM user_provider_keys
     WHERE (?::uuid IS NULL OR id > ?::uuid) ${unrecorded}
     ORDER BY id LIMIT ?`,
    [afterId, afterId, limit],
  );
  return rows.map((r) => ({ id: r.id, userId: r.user_id, provider: r.provider, token: r.api_key_encrypted, bindingTag: r.binding_tag, keyFingerprint: r.key_fingerprint }));
}

/** A new token (or the same one) with its binding, to replace `expectedToken`. */
export interface KeyRewrite {
  id: string;
  expectedToken: string;
  token: string;
  bindingTag: string;
  keyFingerprint: string;
}

/**
 * Applies rewrites in one statement, each only where the row still holds `expectedToken`; a row a
 * user replaced or deleted meanwhile is left as they left it. `updated_at` and `key_version` stay:
 * the key itself did not change. Returns the ids written.
 *
 * The rows are locked in id order first, the order the worker's batched key-test writes lock
 * theirs in: an UPDATE joined to a VALUES list locks in whatever order its plan visits rows, and
 * two multi-row writers locking in different orders can deadlock.
 */
export async function rewriteStoredKeys(em: EntityManager, rewrites: readonly KeyRewrite[]): Promise<Set<string>> {
  if (rewrites.length === 0) return new Set();
  const values = rewrites.map(() => '(?::uuid, ?, ?, ?, ?)').join(', ');
  const params = rewrites.flatMap((r) => [r.id, r.expectedToken, r.token, r.bindingTag, r.keyFingerprint]);
  const rows = await executeRedacted<Array<{ id: string }>>(
    em,
    `WITH v(id, expected, token, tag, fingerprint) AS (VALUES ${values}),
     locked AS MATERIALIZED (SELECT k.id FROM user_provider_keys k JOIN v ON v.id = k.id ORDER BY k.id FOR UPDATE OF k)
     UPDATE user_provider_keys k SET api_key_encrypted = v.token, binding_tag = v.tag, key_fingerprint = v.fingerprint
     FROM v JOIN locked ON locked.id = v.id
     WHERE k.id = v.id AND k.api_key_encrypted = v.expected
     RETURNING k.id`,
    params,
  );
  return new Set(rows.map((r) => r.id));
}

/**
 * The id of the user's key row for a provider and label (`default` when absent), or null. A save binds its new token to this id
 * before the upsert takes the row's lock, so the binding costs no time under the lock.
 */
export async function findKeyRowId(em: EntityManager, userId: string, provider: string, label = 'default'): Promise<string | null> {
  // Prepared: every key save asks this first.
  const rows = await executePrepared<{ id: string }>(em, 'byok_find_key_row_id', 'SELECT id FROM user_provider_keys WHERE user_id = $1 AND provider = $2 AND lower(label) = lower($3)', [userId, provider, label]);
  return rows[0]?.id ?? null;
}

/**
 * Stores the binding of a key just saved (same transaction as the save), for the rare save whose
 * row id changed between `findKeyRowId` and the upsert. Compare-and-set on the token, like every
 * token write. Returns the key as stored, with its tag and fingerprint.
 */
export async function recordKeyBinding(em: EntityManager, key: ProviderKey, binding: { bindingTag: string; keyFingerprint: string }): Promise<ProviderKey> {
  const rows = await executeRedacted<Array<{ id: string }>>(
    em,
    'UPDATE user_provider_keys SET binding_tag = ?, key_fingerprint = ? WHERE id = ? AND api_key_encrypted = ? RETURNING id',
    [binding.bindingTag, binding.keyFingerprint, key.id, key.apiKeyEncrypted],
  );
  return rows.length > 0 ? { ...key, bindingTag: binding.bindingTag, keyFingerprint: binding.keyFingerprint } : key;
}

/** Counts of one rotation run; see `encryption_rotations`. */
export interface RotationCounts {
  scanned: number;
  /** Re-encrypted under the target key. */
  rotated: number;
  /** Already under the target key (or left under theirs), fingerprint and tag written. */
  recorded: number;
  /** Nothing to do. */
  alreadyCurrent: number;
  /** No configured key opens them; left as they are. */
  undecryptable: number;
  /** Their tag belongs to another row; left as they are and never re-tagged. */
  bindingMismatch: number;
  /** Changed by someone else between read and write; their new value stands. */
  conflicts: number;
}

export function emptyRotationCounts(): RotationCounts {
  return { scanned: 0, rotated: 0, recorded: 0, alreadyCurrent: 0, undecryptable: 0, bindingMismatch: 0, conflicts: 0 };
}

/** One rotation's persisted state. */
export interface RotationProgress {
  targetFingerprint: string;
  /** The last id whose batch committed; null before the first batch. */
  cursorId: string | null;
  counts: RotationCounts;
  requestedBy: string;
  startedAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

interface RotationRow {
  target_fingerprint: string;
  cursor_id: string | null;
  scanned: string | number;
  rotated: string | number;
  recorded: string | number;
  already_current: string | number;
  undecryptable: string | number;
  binding_mismatch: string | number;
  conflicts: string | number;
  requested_by: string;
  started_at: Date | string;
  updated_at: Date | string;
  finished_at: Date | string | null;
}

function fromRotationRow(row: RotationRow): RotationProgress {
  return {
    targetFingerprint: row.target_fingerprint,
    cursorId: row.cursor_id,
    counts: {
      scanned: Number(row.scanned),
      rotated: Number(row.rotated),
      recorded: Number(row.recorded),
      alreadyCurrent: Number(row.already_current),
      undecryptable: Number(row.undecryptable),
      bindingMismatch: Number(row.binding_mismatch),
      conflicts: Number(row.conflicts),
    },
    requestedBy: row.requested_by,
    startedAt: toDate(row.started_at),
    updatedAt: toDate(row.updated_at),
    finishedAt: toDateOrNull(row.finished_at),
  };
}

/**
 * Starts a rotation towards `targetFingerprint`, or resumes the unfinished one: an unfinished run
 * keeps its cursor and counts; a finished one starts over (rows may have been written under an
 * older key since, e.g. by an instance still on the old key list).
 */
export async function startRotation(em: EntityManager, targetFingerprint: string, requestedBy: string): Promise<{ progress: RotationProgress; resumed: boolean }> {
  const started = await em.execute<RotationRow[]>(
    `INSERT INTO encryption_rotations (target_fingerprint, requested_by) VALUES (?, ?)
     ON CONFLICT (target_fingerprint) DO UPDATE SET
       cursor_id = NULL, scanned = 0, rotated = 0, recorded = 0, already_current = 0, undecryptable = 0, binding_mismatch = 0, conflicts = 0,
       requested_by = EXCLUDED.requested_by, started_at = now(), updated_at = now(), finished_at = NULL
     WHERE encryption_rotations.finished_at IS NOT NULL
     RETURNING *`,
    [targetFingerprint, requestedBy],
  );
  const row = started[0];
  if (row) return { progress: fromRotationRow(row), resumed: false };
  const current = await findRotation(em, targetFingerprint);
  if (current === null) throw new Error('rotation progress vanished while starting');
  return { progress: current, resumed: true };
}

/** Locks the rotation's row for this transaction, so runners take batches one at a time. */
export async function lockRotation(em: EntityManager, targetFingerprint: string): Promise<RotationProgress | null> {
  const rows = await em.execute<RotationRow[]>('SELECT * FROM encryption_rotations WHERE target_fingerprint = ? FOR UPDATE', [targetFingerprint]);
  const row = rows[0];
  return row ? fromRotationRow(row) : null;
}

export async function findRotation(em: EntityManager, targetFingerprint: string): Promise<RotationProgress | null> {
  const rows = await em.execute<RotationRow[]>('SELECT * FROM encryption_rotations WHERE target_fingerprint = ?', [targetFingerprint]);
  const row = rows[0];
  return row ? fromRotationRow(row) : null;
}

/** Moves the cursor past a committed batch and adds its counts (same transaction as the batch). */
export async function advanceRotation(em: EntityManager, targetFingerprint: string, cursorId: string, delta: RotationCounts): Promise<void> {
  await em.execute(
    `UPDATE encryption_rotations SET cursor_id = ?, scanned = scanned + ?, rotated = rotated + ?, recorded = recorded + ?,
       already_current = already_current + ?, undecryptable = undecryptable + ?, binding_mismatch = binding_mismatch + ?, conflicts = conflicts + ?,
       updated_at = now()
     WHERE target_fingerprint = ?`,
    [cursorId, delta.scanned, delta.rotated, delta.recorded, delta.alreadyCurrent, delta.undecryptable, delta.bindingMismatch, delta.conflicts, targetFingerprint],
  );
}

/** Marks the rotation finished and returns its final state. */
export async function finishRotation(em: EntityManager, targetFingerprint: string): Promise<RotationProgress> {
  const rows = await em.execute<RotationRow[]>(
    'UPDATE encryption_rotations SET finished_at = now(), updated_at = now() WHERE target_fingerprint = ? RETURNING *',
    [targetFingerprint],
  );
  const row = rows[0];
  if (!row) throw new Error('rotation progress vanished while finishing');
  return fromRotationRow(row);
}

/** `byok_state` row written once the binding backfill has bound every legacy row it could. */
const BINDING_BACKFILL_COMPLETED = 'binding_backfill_completed';

/**
 * When the first full pass of the binding backfill completed, or null when it has not (or the
 * database predates `byok_state`). From then on every row must carry a binding tag: a row without
 * one is a token moved there with its tag cleared, never a legacy row.
 */
export async function bindingBackfillCompletedAt(em: EntityManager): Promise<Date | null> {
  try {
    const rows = await em.execute<Array<{ recorded_at: Date | string }>>('SELECT recorded_at FROM byok_state WHERE name = ?', [BINDING_BACKFILL_COMPLETED]);
    return toDateOrNull(rows[0]?.recorded_at ?? null);
  } catch (error) {
    // 42P01 undefined_table: a database not migrated yet has no such record.
    if (anyCause(error, (_e, code) => code === '42P01')) return null;
    throw error;
  }
}

/** Records (once; later calls keep the first record) that the binding backfill completed. */
export async function recordBindingBackfillCompleted(em: EntityManager, details: Record<string, unknown>): Promise<void> {
  await em.execute(`INSERT INTO byok_state (name, value) VALUES (?, ?::jsonb) ON CONFLICT (name) DO NOTHING`, [BINDING_BACKFILL_COMPLETED, JSON.stringify(details)]);
}
