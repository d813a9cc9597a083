import type { EntityManager } from '@mikro-orm/postgresql';
import { orgIdOfKeyOwner } from './org-membership.repository.js';
import { ProviderKeySchema, type KeyTestStatus, type ProviderKey } from '../entities/provider-key.entity.js';
import { toDate, toDateOrNull } from './column-values.js';
import { executePrepared } from './prepared-query.js';
import { executeRedacted } from './redacted-execute.js';
import { auditInsertFrom, type AuditEntry } from './audit-log.repository.js';

export interface UpsertKeyInput {
  userId: string;
  provider: string;
  apiKeyEncrypted: string;
  keyHint: string;
  /** Which of the user's keys for the provider this save is about; `default` when absent. */
  label?: string;
  /** Free text shown in listings; null or absent keeps the stored one on replace. */
  description?: string | null;
  /** 1–100; absent: a new key goes after the user's last key of the provider, a replaced one keeps its own. */
  priority?: number;
  /** Model names or `*` globs; absent keeps the stored list (a new key: any model), null clears it. */
  models?: readonly string[] | null;
  /** User metadata; null keeps the stored metadata on replace. */
  metadata?: Record<string, unknown> | null;
  /** When this key text stops working; absent or null: not known (a replacement's new text does not inherit the old one's). */
  expiresAt?: Date | null;
  /**
   * The row id `binding` was computed for: the existing row's id, or the id a new row gets. When a
   * concurrent delete and re-insert gave the row another id, the binding is not stored (NULL, as
   * for a caller that does not bind) and the caller binds again.
   */
  id?: string;
  /** The token's binding tag and key fingerprint (see @byok/crypto); omitted: both stored NULL. */
  binding?: { bindingTag: string; keyFingerprint: string } | null;
}

export interface UpsertKeyResult {
  /** The row exactly as this statement left it (a concurrent save may replace it right after). */
  key: ProviderKey;
  inserted: boolean;
}

/** Drops a staged replacement (see key-candidate.repository.ts). */
export const CLEAR_CANDIDATE = `candidate_encrypted = NULL, candidate_key_hint = NULL, candidate_binding_tag = NULL, candidate_key_fingerprint = NULL,
       candidate_description = NULL, candidate_metadata = NULL, candidate_staged_at = NULL`;

/** The label of a key saved without one: the seed-compatible routes act on it. */
export const DEFAULT_KEY_LABEL = 'default';
/** Highest (last) priority a key can have. */
export const MAX_KEY_PRIORITY = 100;

const KEY_COLUMNS = `id, user_id, provider, api_key_encrypted, COALESCE(metadata, '{}'::jsonb) AS metadata, COALESCE(enabled, TRUE) AS enabled,
  created_at, updated_at, label, description, priority, models, key_hint, key_version, test_status, last_tested_at, last_test_message, last_test_latency_ms, binding_tag,
  key_fingerprint, test_started_at, admin_disabled_at, admin_disabled_by, admin_disabled_reason, candidate_key_hint, candidate_staged_at, expires_at, key_set_at, org_id`;

/**
 * The audit record a save writes in its own statement (see `upsertProviderKey`): its action becomes
 * `key.created` or `key.replaced`, its key id the saved row's, and its details gain the saved
 * row's `key_version`, `label`, `priority` and `models`.
 */
export type KeySaveAudit = Omit<AuditEntry, 'action' | 'keyId'>;

// The upsert's parameters are $1…$15; a save's audit details and record follow (see SAVE_AUDIT).
const UPSERT_SQL = `INSERT INTO user_provider_keys (id, user_id, provider, label, priority, models, api_key_encrypted, key_hint, description, metadata, enabled, test_status, key_version, binding_tag, key_fingerprint, org_id, expires_at, created_at, updated_at)
     VALUES (COALESCE($1::uuid, gen_random_uuid()), $2::text, $3::text, $4::text,
       COALESCE($5::smallint, (SELECT LEAST(${MAX_KEY_PRIORITY}, COALESCE(MAX(priority), 0) + 1) FROM user_provider_keys WHERE user_id = $2::text AND provider = $3::text)),
       $6::jsonb, $7::text, $8::text, $9::text, COALESCE($10::jsonb, '{}'::jsonb), TRUE, 'testing', 1, $11::text, $12::text, $14::uuid, $15::timestamptz, now(), now())
     ON CONFLICT (user_id, provider, lower(label)) DO UPDATE SET
       api_key_encrypted = EXCLUDED.api_key_encrypted,
       -- The expiry belongs to the key text: a new text has the one its save gives, or none.
       expires_at = EXCLUDED.expires_at,
       key_hint = EXCLUDED.key_hint,
       description = COALESCE(EXCLUDED.description, user_provider_keys.description),
       priority = CASE WHEN $5::smallint IS NULL THEN user_provider_keys.priority ELSE EXCLUDED.priority END,
       models = CASE WHEN $13::boolean THEN EXCLUDED.models ELSE user_provider_keys.models END,
       metadata = CASE WHEN $10::jsonb IS NULL THEN COALESCE(user_provider_keys.metadata, '{}'::jsonb) - 'validation' ELSE EXCLUDED.metadata END,
       test_status = 'testing',
       key_version = user_provider_keys.key_version + 1,
       last_tested_at = NULL, last_test_message = NULL, last_test_latency_ms = NULL,
       -- A new token needs its own binding, valid only for the row id it was computed for.
       binding_tag = CASE WHEN user_provider_keys.id = EXCLUDED.id THEN EXCLUDED.binding_tag END,
       key_fingerprint = CASE WHEN user_provider_keys.id = EXCLUDED.id THEN EXCLUDED.key_fingerprint END,
       -- A plain save supersedes a replacement waiting for its test (test_first); its job then finds no candidate.
       ${CLEAR_CANDIDATE},
       updated_at = now()
     RETURNING ${KEY_COLUMNS}, (xmax = 0) AS inserted`;
const UPSERT_PARAMETERS = 15;

// $16 is the save's own audit details, to which the saved row's fields are added; the record's other values follow.
const SAVE_AUDIT = auditInsertFrom('saved', UPSERT_PARAMETERS + 2, {
  action: `CASE WHEN saved.inserted THEN 'key.created' ELSE 'key.replaced' END`,
  key_id: 'saved.id',
  details: `$${UPSERT_PARAMETERS + 1}::jsonb || jsonb_build_object('key_version', saved.key_version, 'label', saved.label, 'priority', saved.priority, 'models', saved.models)`,
});
const AUDITED_UPSERT_SQL = `WITH saved AS (${UPSERT_SQL}), audited AS (${SAVE_AUDIT.sql})
     SELECT * FROM saved`;

/**
 * Inserts or replaces one of the user's keys in one statement, so concurrent saves of the same
 * `(user, provider, label)` (label ignoring case) serialise on the unique index and each gets its
 * own key version. A replacement resets the test state (the new key is untested) and keeps
 * `enabled`, its label's spelling, and its priority and models unless the save gives them. A new
 * key without a priority goes after the user's last key of that provider. With `audit`, the same
 * statement writes the save's audit record (one round trip instead of two, for the busiest write).
 * Prepared: Postgres gets the values apart from the text, so the Fernet token never reaches an
 * error message, and each connection plans the statement once.
 */
export async function upsertProviderKey(em: EntityManager, input: UpsertKeyInput, audit?: KeySaveAudit): Promise<UpsertKeyResult> {
  const metadata = input.metadata === undefined || input.metadata === null ? null : JSON.stringify(input.metadata);
  // A binding is only meaningful for the id it was computed for.
  const binding = input.id === undefined ? null : (input.binding ?? null);
  const models = input.models === undefined || input.models === null ? null : JSON.stringify(input.models);
  const values = [
    input.id ?? null,
    input.userId,
    input.provider,
    input.label ?? DEFAULT_KEY_LABEL,
    input.priority ?? null,
    models,
    input.apiKeyEncrypted,
    input.keyHint,
    input.description ?? null,
    metadata,
    binding?.bindingTag ?? null,
    binding?.keyFingerprint ?? null,
    input.models !== undefined,
    // An organization's key (owner `org:<id>`) names its organization, so deleting the org deletes it.
    orgIdOfKeyOwner(input.userId),
    input.expiresAt ?? null,
  ];
  const rows =
    audit === undefined
      ? await executePrepared<RawKeyRow & { inserted: boolean }>(em, 'byok_upsert_provider_key', UPSERT_SQL, values)
      : await executePrepared<RawKeyRow & { inserted: boolean }>(em, 'byok_upsert_provider_key_audited', AUDITED_UPSERT_SQL, [
          ...values,
          JSON.stringify(audit.details ?? {}),
          ...SAVE_AUDIT.values({ ...audit, action: '' }),
        ]);
  const row = rows[0];
  if (!row) throw new Error('upsert returned no row');
  // A plain object, not an entity: nothing in the save changes it through the ORM, and an entity in
  // the identity map costs its registration and a change-set check when the transaction commits.
  const { inserted, ...columns } = row;
  return { key: fromRaw(columns), inserted };
}

type RawKeyRow = {
  id: string;
  user_id: string;
  provider: string;
  api_key_encrypted: string;
  metadata: Record<string, unknown>;
  enabled: boolean;
  created_at: Date | string;
  updated_at: Date | string;
  label: string;
  description: string | null;
  priority: number;
  models: string[] | null;
  key_hint: string | null;
  key_version: number;
  test_status: string;
  last_tested_at: Date | string | null;
  last_test_message: string | null;
  last_test_latency_ms: number | null;
  binding_tag: string | null;
  key_fingerprint: string | null;
  test_started_at: Date | string | null;
  admin_disabled_at: Date | string | null;
  admin_disabled_by: string | null;
  admin_disabled_reason: string | null;
  candidate_key_hint: string | null;
  candidate_staged_at: Date | string | null;
  expires_at: Date | string | null;
  key_set_at: Date | string | null;
  org_id: string | null;
};

function fromRaw(row: RawKeyRow): ProviderKey {
  return {
    id: row.id,
    userId: row.user_id,
    provider: row.provider,
    apiKeyEncrypted: row.api_key_encrypted,
    metadata: row.metadata,
    enabled: row.enabled,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    label: row.label,
    description: row.description,
    priority: row.priority,
    models: row.models,
    keyHint: row.key_hint,
    keyVersion: row.key_version,
    testStatus: row.test_status,
    lastTestedAt: toDateOrNull(row.last_tested_at),
    lastTestMessage: row.last_test_message,
    lastTestLatencyMs: row.last_test_latency_ms,
    bindingTag: row.binding_tag,
    keyFingerprint: row.key_fingerprint,
    testStartedAt: toDateOrNull(row.test_started_at),
    adminDisabledAt: toDateOrNull(row.admin_disabled_at),
    adminDisabledBy: row.admin_disabled_by,
    adminDisabledReason: row.admin_disabled_reason,
    candidateKeyHint: row.candidate_key_hint,
    candidateStagedAt: toDateOrNull(row.candidate_staged_at),
    expiresAt: toDateOrNull(row.expires_at),
    keySetAt: toDateOrNull(row.key_set_at),
    orgId: row.org_id,
  };
}

const FIND_USER_KEYS_SQL = `SELECT ${KEY_COLUMNS} FROM user_provider_keys WHERE user_id = $1 ORDER BY provider, priority, lower(label)`;

/**
 * One user's keys, each provider's in priority order (then by label, so the order is stable).
 * A prepared statement and a plain mapper rather than an ORM find: this is the busiest read
 * (every key list and every route-cache miss), and it needs no identity map.
 */
export async function findUserKeys(em: EntityManager, userId: string): Promise<ProviderKey[]> {
  const rows = await executePrepared<RawKeyRow>(em, 'byok_find_user_keys', FIND_USER_KEYS_SQL, [userId]);
  return rows.map(fromRaw);
}

/** One of the user's keys for a provider by its label (ignoring case; `default` when absent). */
export async function findUserKey(em: EntityManager, userId: string, provider: string, label: string = DEFAULT_KEY_LABEL): Promise<ProviderKey | null> {
  const rows = await em.execute<RawKeyRow[]>(`SELECT ${KEY_COLUMNS} FROM user_provider_keys WHERE user_id = ? AND provider = ? AND lower(label) = lower(?)`, [userId, provider, label]);
  const row = rows[0];
  return row ? fromRaw(row) : null;
}

/** Deletes one key (by label, `default` when absent) and returns what was deleted (for the audit record), or null when there was none. */
export async function deleteUserKey(em: EntityManager, userId: string, provider: string, label: string = DEFAULT_KEY_LABEL): Promise<{ id: string; keyVersion: number } | null> {
  const rows = await em.execute<Array<{ id: string; key_version: number }>>(
    'DELETE FROM user_provider_keys WHERE user_id = ? AND provider = ? AND lower(label) = lower(?) RETURNING id, key_version',
    [userId, provider, label],
  );
  const row = rows[0];
  return row ? { id: row.id, keyVersion: row.key_version } : null;
}

/** Who changes `enabled`: the key's owner, or an admin (whose disable only an admin lifts). */
export type EnableActor = { kind: 'owner' } | { kind: 'admin'; actorId: string; reason: string | null };

/** The key's state after `setUserKeyEnabled`; `blocked` when the owner asked to enable a key an admin disabled. */
export interface KeyEnabledState {
  id: string;
  userId: string;
  provider: string;
  /** For telling the owner which key (notifications name a key by provider and label). */
  label: string;
  enabled: boolean;
  changed: boolean;
  adminDisabled: { at: Date; reason: string | null } | null;
  blocked: boolean;
}

interface RawEnabledRow {
  id: string;
  user_id: string;
  provider: string;
  label: string;
  enabled: boolean;
  admin_disabled_at: Date | string | null;
  admin_disabled_reason: string | null;
}

/**
 * Sets `enabled` (or flips it when `enabled` is null); returns the new state, or null when there is
 * no key. The row is locked first, so the owner's check of an admin's disable and the write cannot
 * be split by an admin's change. An admin's disable records who, when and why and holds until an
 * admin enables the key; the owner's attempt to enable such a key changes nothing (`blocked`).
 */
export async function setUserKeyEnabled(
  em: EntityManager,
  where: { userId: string; provider: string; label?: string } | { id: string },
  enabled: boolean | null,
  actor: EnableActor = { kind: 'owner' },
): Promise<KeyEnabledState | null> {
  const [clause, params] =
    'id' in where ? ['id = ?', [where.id]] : ['user_id = ? AND provider = ? AND lower(label) = lower(?)', [where.userId, where.provider, where.label ?? DEFAULT_KEY_LABEL]];
  const locked = await em.execute<RawEnabledRow[]>(
    `SELECT id, user_id, provider, label, COALESCE(enabled, TRUE) AS enabled, admin_disabled_at, admin_disabled_reason FROM user_provider_keys WHERE ${clause} FOR UPDATE`,
    params,
  );
  const before = locked[0];
  if (!before) return null;
  const wanted = enabled ?? !before.enabled;
  const adminDisabled = before.admin_disabled_at === null ? null : { at: toDate(before.admin_disabled_at), reason: before.admin_disabled_reason };
  const state = { id: before.id, userId: before.user_id, provider: before.provider, label: before.label };
  if (actor.kind === 'owner') {
    if (adminDisabled !== null && wanted) return { ...state, enabled: before.enabled, changed: false, adminDisabled, blocked: true };
    if (wanted === before.enabled) return { ...state, enabled: wanted, changed: false, adminDisabled, blocked: false };
    await em.execute('UPDATE user_provider_keys SET enabled = ?, updated_at = now() WHERE id = ?', [wanted, before.id]);
    return { ...state, enabled: wanted, changed: true, adminDisabled, blocked: false };
  }
  const rows = await em.execute<RawEnabledRow[]>(
    wanted
      ? `UPDATE user_provider_keys SET enabled = TRUE, admin_disabled_at = NULL, admin_disabled_by = NULL, admin_disabled_reason = NULL, updated_at = now()
         WHERE id = ? RETURNING id, user_id, provider, label, enabled, admin_disabled_at, admin_disabled_reason`
      : `UPDATE user_provider_keys SET enabled = FALSE, admin_disabled_at = COALESCE(admin_disabled_at, now()), admin_disabled_by = ?, admin_disabled_reason = ?, updated_at = now()
         WHERE id = ? RETURNING id, user_id, provider, label, enabled, admin_disabled_at, admin_disabled_reason`,
    wanted ? [before.id] : [actor.actorId, actor.reason, before.id],
  );
  const after = rows[0] ?? before;
  const changed = after.enabled !== before.enabled || (after.admin_disabled_at === null) !== (before.admin_disabled_at === null);
  return {
    ...state,
    enabled: after.enabled,
    changed,
    adminDisabled: after.admin_disabled_at === null ? null : { at: toDate(after.admin_disabled_at), reason: after.admin_disabled_reason },
    blocked: false,
  };
}

/** A key test's outcome for one key version, as the worker records it (see key-test-run.repository.ts). */
export interface KeyTestResultInput {
  keyId: string;
  keyVersion: number;
  status: Extract<KeyTestStatus, 'valid' | 'invalid' | 'error'>;
  message: string;
  latencyMs: number;
  /** Stored under `metadata.validation` (model list, provider limits). */
  validation: Record<string, unknown>;
}

export interface KeyListFilter {
  userId?: string;
  provider?: string;
  enabled?: boolean;
}

/** Admin listing, newest first, offset-paginated (admins page through thousands, not millions). */
export async function listKeys(em: EntityManager, filter: KeyListFilter, page: { limit: number; offset: number }): Promise<{ items: ProviderKey[]; total: number }> {
  const where: Record<string, unknown> = {};
  if (filter.userId !== undefined) where.userId = filter.userId;
  if (filter.provider !== undefined) where.provider = filter.provider;
  if (filter.enabled !== undefined) where.enabled = filter.enabled;
  const [items, total] = await em.findAndCount(ProviderKeySchema, where, { orderBy: { createdAt: 'desc', id: 'asc' }, limit: page.limit, offset: page.offset });
  return { items, total };
}

/** Stores a backfilled hint; compare-and-set on the token, so a key replaced meanwhile keeps its own hint. */
export async function setKeyHint(em: EntityManager, keyId: string, expectedToken: string, keyHint: string): Promise<void> {
  await executeRedacted(em, 'UPDATE user_provider_keys SET key_hint = ? WHERE id = ? AND api_key_encrypted = ?', [keyHint, keyId, expectedToken]);
}
