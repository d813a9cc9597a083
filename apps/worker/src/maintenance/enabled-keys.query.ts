import type { EntityManager } from '@byok/db';

/** The ids a scheduled test needs; never the token. */
export interface EnabledKeyRef {
  id: string;
  userId: string;
  provider: string;
  keyVersion: number;
}

/** How many enabled keys there are (a legacy NULL counts as enabled, as the earlier system meant it). */
export async function countEnabledKeys(em: EntityManager): Promise<number> {
  const rows = await em.execute<Array<{ n: number }>>('SELECT count(*)::int AS n FROM user_provider_keys WHERE enabled IS NOT FALSE');
  return rows[0]?.n ?? 0;
}

/**
 * One page of enabled keys after `afterId`, in id order. Keyset pagination stays fast and stable on
 * millions of rows, unlike OFFSET, and rows inserted meanwhile never shift a page.
 */
export async function enabledKeysAfter(em: EntityManager, afterId: string | null, limit: number): Promise<EnabledKeyRef[]> {
  const rows = await em.execute<Array<{ id: string; user_id: string; provider: string; key_version: number }>>(
    `SELECT id, user_id, provider, key_version FROM user_provider_keys
     WHERE enabled IS NOT FALSE AND (?::uuid IS NULL OR id > ?::uuid)
     ORDER BY id LIMIT ?`,
    [afterId, afterId, limit],
  );
  return rows.map((r) => ({ id: r.id, userId: r.user_id, provider: r.provider, keyVersion: r.key_version }));
}
