import type { GatewayTokenRow } from '@byok/db';
import type { TokenView } from './token.schemas.js';

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** The API's view of a stored token row. */
export function toTokenView(row: GatewayTokenRow): TokenView {
  return {
    id: row.id,
    name: row.name,
    org_id: row.orgId,
    prefix: row.tokenPrefix,
    created_at: new Date(row.createdAt).toISOString(),
    last_used_at: iso(row.lastUsedAt),
    expires_at: iso(row.expiresAt),
    revoked_at: iso(row.revokedAt),
  };
}
