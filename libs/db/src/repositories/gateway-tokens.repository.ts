import type { EntityManager } from '@mikro-orm/postgresql';
import { toDate, toDateOrNull } from './column-values.js';

/** A personal gateway token as stored: only its SHA-256 hash and a display prefix, never the token. */
export interface GatewayTokenRow {
  id: string;
  userId: string;
  /** The organization the token acts for (`x-byok-org` cannot change it), or null for a personal token. */
  orgId: string | null;
  name: string;
  tokenPrefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

interface RawTokenRow {
  id: string;
  user_id: string;
  org_id: string | null;
  name: string;
  token_prefix: string;
  created_at: Date | string;
  last_used_at: Date | string | null;
  expires_at: Date | string | null;
  revoked_at: Date | string | null;
}

const COLUMNS = 'id, user_id, org_id, name, token_prefix, created_at, last_used_at, expires_at, revoked_at';

function toRow(raw: RawTokenRow): GatewayTokenRow {
  return {
    id: raw.id,
    userId: raw.user_id,
    orgId: raw.org_id,
    name: raw.name,
    tokenPrefix: raw.token_prefix,
    createdAt: toDate(raw.created_at),
    lastUsedAt: toDateOrNull(raw.last_used_at),
    expiresAt: toDateOrNull(raw.expires_at),
    revokedAt: toDateOrNull(raw.revoked_at),
  };
}

export async function insertGatewayToken(
  em: EntityManager,
  input: { userId: string; orgId?: string | null; name: string; tokenHash: string; tokenPrefix: string; expiresAt: Date | null },
): Promise<GatewayTokenRow> {
  const rows = await em.execute<RawTokenRow[]>(
    `INSERT INTO gateway_tokens (user_id, org_id, name, token_hash, token_prefix, expires_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
    [input.userId, input.orgId ?? null, input.name, input.tokenHash, input.tokenPrefix, input.expiresAt],
  );
  const row = rows[0];
  if (!row) throw new Error('insert returned no row');
  return toRow(row);
}

/**
 * Counts the user's usable (not revoked, not expired) tokens after taking a per-user advisory
 * lock that lasts until the transaction ends, so concurrent creations are counted one after the
 * other and the cap cannot be overrun by a burst. Call inside the transaction that inserts.
 */
export async function lockAndCountActiveGatewayTokens(em: EntityManager, userId: string): Promise<number> {
  await em.execute('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [`gateway_tokens:${userId}`]);
  const rows = await em.execute<Array<{ count: string | number }>>(
    'SELECT count(*) AS count FROM gateway_tokens WHERE user_id = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())',
    [userId],
  );
  return Number(rows[0]?.count ?? 0);
}

export async function listGatewayTokens(em: EntityManager, userId: string): Promise<GatewayTokenRow[]> {
  const rows = await em.execute<RawTokenRow[]>(`SELECT ${COLUMNS} FROM gateway_tokens WHERE user_id = ? ORDER BY created_at DESC, id`, [userId]);
  return rows.map(toRow);
}

/**
 * Revokes the user's token; null when the user has no such token (someone else's looks the same).
 * Returns the hash too, so the revocation can be announced to the proxies' caches.
 */
export async function revokeGatewayToken(em: EntityManager, userId: string, id: string): Promise<(GatewayTokenRow & { tokenHash: string }) | null> {
  const rows = await em.execute<Array<RawTokenRow & { token_hash: string }>>(
    `UPDATE gateway_tokens SET revoked_at = COALESCE(revoked_at, now()) WHERE id = ? AND user_id = ? RETURNING ${COLUMNS}, token_hash`,
    [id, userId],
  );
  const row = rows[0];
  return row ? { ...toRow(row), tokenHash: row.token_hash } : null;
}

/**
 * Revokes the tokens a user made to act for an organization (they leave it, or are removed), and
 * returns their hashes, to announce to the proxies' caches. Personal tokens are untouched.
 */
export async function revokeOrgTokensOfMember(em: EntityManager, orgId: string, userId: string): Promise<string[]> {
  const rows = await em.execute<Array<{ token_hash: string }>>('UPDATE gateway_tokens SET revoked_at = now() WHERE org_id = ? AND user_id = ? AND revoked_at IS NULL RETURNING token_hash', [orgId, userId]);
  return rows.map((row) => row.token_hash);
}

/**
 * Looks a presented token up by its hash (the unique index makes this one index probe), with the
 * organization it was created for (`orgId`, null for a personal token): such a token always acts for it.
 */
export async function findGatewayTokenByHash(em: EntityManager, tokenHash: string): Promise<(GatewayTokenRow & { orgId: string | null }) | null> {
  const rows = await em.execute<Array<RawTokenRow & { org_id: string | null }>>(`SELECT ${COLUMNS}, org_id FROM gateway_tokens WHERE token_hash = ?`, [tokenHash]);
  const row = rows[0];
  return row ? { ...toRow(row), orgId: row.org_id } : null;
}

/** Records use; callers throttle it (once a minute per token is plenty for "last used"). */
export async function touchGatewayToken(em: EntityManager, id: string): Promise<void> {
  await em.execute('UPDATE gateway_tokens SET last_used_at = now() WHERE id = ?', [id]);
}
