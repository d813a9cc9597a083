import type { EntityManager } from '@mikro-orm/postgresql';
import { ProviderKeySchema, type ProviderKey } from '../entities/provider-key.entity.js';

/**
 * The API's access to one user's key pool by key id, and the per-(user, provider) lock that keeps
 * the pool's size limit and label uniqueness checks true under concurrent saves and edits.
 * Every read and write here is scoped to the owner: another user's id finds nothing.
 */

/**
 * Serialises every change to one user's keys for one provider until the transaction ends (a
 * transaction-scoped advisory lock): two concurrent saves cannot both count nine keys and both
 * insert a tenth. A row lock would not do, since a user's first keys have no row to lock yet.
 */
export async function lockKeyPool(em: EntityManager, userId: string, provider: string): Promise<void> {
  // Provider ids hold no colon, so the name is unambiguous; hashtextextended gives 64 bits, and a
  // collision only makes two unrelated pools wait for each other.
  await em.execute('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [`user_provider_keys:${provider}:${userId}`]);
}

/** How many of the user's keys for the provider have another label than `label` (compared ignoring case). */
export async function countOtherKeys(em: EntityManager, userId: string, provider: string, label: string): Promise<number> {
  const rows = await em.execute<Array<{ n: string | number }>>(
    'SELECT count(*) AS n FROM user_provider_keys WHERE user_id = ? AND provider = ? AND lower(label) <> lower(?)',
    [userId, provider, label],
  );
  return Number(rows[0]?.n ?? 0);
}

/** Whether another of the user's keys for the provider (not `exceptId`) holds `label`, ignoring case. */
export async function labelTaken(em: EntityManager, userId: string, provider: string, label: string, exceptId: string): Promise<boolean> {
  const rows = await em.execute<Array<{ id: string }>>(
    'SELECT id FROM user_provider_keys WHERE user_id = ? AND provider = ? AND lower(label) = lower(?) AND id <> ? LIMIT 1',
    [userId, provider, label, exceptId],
  );
  return rows.length > 0;
}

/** One of the user's keys by id, or null when there is none (or it is another user's). `id` must be a UUID. */
export async function findOwnKeyById(em: EntityManager, userId: string, id: string): Promise<ProviderKey | null> {
  return em.findOne(ProviderKeySchema, { id, userId }, { refresh: true });
}

/** The fields of a key an owner may edit in place; absent fields are left as they are. */
export interface KeyPoolPatch {
  label?: string;
  priority?: number;
  /** null: any model. */
  models?: readonly string[] | null;
  /** When the key text stops working; null: not known. */
  expiresAt?: Date | null;
}

/** Applies a patch to one of the user's keys; false when there is no such key. Call under `lockKeyPool` when the label changes. */
export async function patchOwnKey(em: EntityManager, userId: string, id: string, patch: KeyPoolPatch): Promise<boolean> {
  const sets: string[] = [];
  const params: unknown[] = [];
  if (patch.label !== undefined) {
    sets.push('label = ?');
    params.push(patch.label);
  }
  if (patch.priority !== undefined) {
    sets.push('priority = ?');
    params.push(patch.priority);
  }
  if (patch.models !== undefined) {
    sets.push('models = ?::jsonb');
    params.push(patch.models === null ? null : JSON.stringify(patch.models));
  }
  if (patch.expiresAt !== undefined) {
    sets.push('expires_at = ?');
    params.push(patch.expiresAt);
  }
  if (sets.length === 0) return (await findOwnKeyById(em, userId, id)) !== null;
  const rows = await em.execute<Array<{ id: string }>>(
    `UPDATE user_provider_keys SET ${sets.join(', ')}, updated_at = now() WHERE id = ? AND user_id = ? RETURNING id`,
    [...params, id, userId],
  );
  return rows.length > 0;
}

/** Deletes one of the user's keys by id and returns what was deleted (for the audit record), or null when there was none. */
export async function deleteOwnKeyById(
  em: EntityManager,
  userId: string,
  id: string,
): Promise<{ id: string; provider: string; label: string; keyVersion: number } | null> {
  const rows = await em.execute<Array<{ id: string; provider: string; label: string; key_version: number }>>(
    'DELETE FROM user_provider_keys WHERE id = ? AND user_id = ? RETURNING id, provider, label, key_version',
    [id, userId],
  );
  const row = rows[0];
  return row ? { id: row.id, provider: row.provider, label: row.label, keyVersion: row.key_version } : null;
}
