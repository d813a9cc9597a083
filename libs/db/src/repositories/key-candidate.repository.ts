import type { EntityManager } from '@mikro-orm/postgresql';
import { ProviderKeySchema, type ProviderKey } from '../entities/provider-key.entity.js';
import { CLEAR_CANDIDATE } from './provider-keys.repository.js';
import { executeRedacted } from './redacted-execute.js';

/**
 * A replacement key waiting for its test (`POST /keys?test_first=true`). The current key keeps its
 * token, version and status, and keeps routing, until the candidate passes: the key-test job then
 * swaps the candidate in (new version, tested status) in the same transaction as the audit record,
 * or drops it. Every statement here carries a token as a value, hence `executeRedacted`.
 */
export interface StageCandidateInput {
  /** The row the binding was computed for; a row re-created under another id is not touched. */
  id: string;
  userId: string;
  provider: string;
  token: string;
  keyHint: string;
  binding: { bindingTag: string; keyFingerprint: string } | null;
  /** Free text for listings (see the `description` column); null keeps the current one. */
  description: string | null;
  metadata: Record<string, unknown> | null;
  /** A candidate staged longer ago than this is abandoned (its test never finished) and may be replaced. */
  abandonedAfterMs: number;
}

/**
 * - `staged`: the candidate is stored beside the current key, at the key's current version.
 * - `pending`: another candidate is waiting for its test; nothing written.
 * - `missing`: no key with that id for the user and provider; nothing written.
 */
export type StageCandidateResult = { outcome: 'staged'; keyVersion: number } | { outcome: 'pending' | 'missing' };

export async function stageKeyCandidate(em: EntityManager, input: StageCandidateInput): Promise<StageCandidateResult> {
  const rows = await executeRedacted<Array<{ key_version: number; staged: boolean }>>(
    em,
    `WITH target AS (
       SELECT id, key_version, candidate_staged_at IS NULL OR candidate_staged_at < now() - make_interval(secs => ?) AS free
       FROM user_provider_keys WHERE id = ? AND user_id = ? AND provider = ? FOR UPDATE
     ), staged AS (
       UPDATE user_provider_keys k SET candidate_encrypted = ?, candidate_key_hint = ?, candidate_binding_tag = ?, candidate_key_fingerprint = ?,
         candidate_description = ?, candidate_metadata = ?::jsonb, candidate_staged_at = now()
       FROM target t WHERE k.id = t.id AND t.free RETURNING k.id
     )
     SELECT t.key_version, EXISTS (SELECT 1 FROM staged) AS staged FROM target t`,
    [
      input.abandonedAfterMs / 1000,
      input.id,
      input.userId,
      input.provider,
      input.token,
      input.keyHint,
      input.binding?.bindingTag ?? null,
      input.binding?.keyFingerprint ?? null,
      input.description,
      input.metadata === null ? null : JSON.stringify(input.metadata),
    ],
  );
  const row = rows[0];
  if (!row) return { outcome: 'missing' };
  return row.staged ? { outcome: 'staged', keyVersion: row.key_version } : { outcome: 'pending' };
}

/** What the key-test job needs of a candidate. */
export interface KeyCandidate {
  id: string;
  userId: string;
  provider: string;
  keyVersion: number;
  token: string;
  bindingTag: string | null;
  keyHint: string | null;
}

/**
 * Where a key's candidate stands for the job that tests it:
 * - `ready`: staged at the job's key version;
 * - `not_visible`: the key is at the job's version but shows no candidate — the staging
 *   transaction, which queues the job before it commits, may not have committed yet;
 * - `gone`: the key is deleted or moved on to a newer version (a plain save superseded it).
 */
export type KeyCandidateLookup = { state: 'ready'; candidate: KeyCandidate } | { state: 'not_visible' | 'gone' };

export async function loadKeyCandidate(em: EntityManager, keyId: string, keyVersion: number): Promise<KeyCandidateLookup> {
  const rows = await em.execute<Array<{ id: string; user_id: string; provider: string; key_version: number; candidate_encrypted: string | null; candidate_binding_tag: string | null; candidate_key_hint: string | null }>>(
    `SELECT id, user_id, provider, key_version, candidate_encrypted, candidate_binding_tag, candidate_key_hint
     FROM user_provider_keys WHERE id = ?`,
    [keyId],
  );
  const row = rows[0];
  if (!row || row.key_version !== keyVersion) return { state: 'gone' };
  if (row.candidate_encrypted === null) return { state: 'not_visible' };
  return {
    state: 'ready',
    candidate: { id: row.id, userId: row.user_id, provider: row.provider, keyVersion: row.key_version, token: row.candidate_encrypted, bindingTag: row.candidate_binding_tag, keyHint: row.candidate_key_hint },
  };
}

export interface SwapCandidateInput {
  keyId: string;
  keyVersion: number;
  /** The token that was tested: a candidate replaced meanwhile is not swapped in. */
  token: string;
  message: string;
  latencyMs: number;
  validation: Record<string, unknown>;
}

/**
 * Makes the tested candidate the key: its token, hint, binding, description and metadata replace the
 * current ones, the version goes up, the old text's expiry is cleared, and the status is `valid`
 * with the test's details. Returns the
 * key as stored, or null when the key or its candidate changed meanwhile (nothing written).
 */
export async function swapInKeyCandidate(em: EntityManager, input: SwapCandidateInput): Promise<ProviderKey | null> {
  const rows = await executeRedacted<Array<Record<string, unknown>>>(
    em,
    `UPDATE user_provider_keys SET
       api_key_encrypted = candidate_encrypted, key_hint = candidate_key_hint,
       binding_tag = candidate_binding_tag, key_fingerprint = candidate_key_fingerprint,
       description = COALESCE(candidate_description, description),
       metadata = jsonb_set(COALESCE(candidate_metadata, COALESCE(metadata, '{}'::jsonb) - 'validation'), '{validation}', ?::jsonb),
       key_version = key_version + 1,
       -- The expiry belongs to the key text it was set for.
       expires_at = NULL,
       test_status = 'valid', last_test_message = ?, last_test_latency_ms = ?, last_tested_at = now(),
       ${CLEAR_CANDIDATE},
       updated_at = now()
     WHERE id = ? AND key_version = ? AND candidate_encrypted = ?
     RETURNING *`,
    [JSON.stringify(input.validation), input.message, input.latencyMs, input.keyId, input.keyVersion, input.token],
  );
  const row = rows[0];
  return row ? em.map(ProviderKeySchema, row) : null;
}

/** Drops a candidate that failed its test; false when it was already gone or replaced. */
export async function dropKeyCandidate(em: EntityManager, keyId: string, token: string): Promise<boolean> {
  const rows = await executeRedacted<Array<{ id: string }>>(em, `UPDATE user_provider_keys SET ${CLEAR_CANDIDATE} WHERE id = ? AND candidate_encrypted = ? RETURNING id`, [keyId, token]);
  return rows.length > 0;
}
