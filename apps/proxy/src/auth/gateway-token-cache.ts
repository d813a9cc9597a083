import type { GatewayTokenRow } from '@byok/db';
import { createTtlCache, type TtlCache } from '../support/ttl-cache.js';

/** What the proxy keeps of a gateway token row: never the token, only its owner and validity. */
export interface KnownGatewayToken {
  id: string;
  userId: string;
  /** Epoch ms; null = never expires. Checked on every use, so expiry is exact despite caching. */
  expiresAtMs: number | null;
  revoked: boolean;
}

/** Lookups by SHA-256 hex; `null` = no such token (also cached, so a flood of bad tokens stays in memory). */
export type GatewayTokenCache = TtlCache<KnownGatewayToken | null>;

export interface GatewayTokenCacheDeps {
  /** `findGatewayTokenByHash`. */
  find(tokenHash: string): Promise<GatewayTokenRow | null>;
  /** How long an answer is reused: the bound on how late a revocation is noticed. */
  ttlMs: number;
  maxEntries?: number;
  now?: () => number;
}

export function createGatewayTokenCache(deps: GatewayTokenCacheDeps): GatewayTokenCache {
  return createTtlCache({
    load: async (tokenHash) => {
      const row = await deps.find(tokenHash);
      return row === null ? null : toKnown(row);
    },
    ttlMs: deps.ttlMs,
    maxEntries: deps.maxEntries ?? 50_000,
    ...(deps.now ? { now: deps.now } : {}),
  });
}

function toKnown(row: GatewayTokenRow): KnownGatewayToken {
  // The repository's raw query hands timestamps over as text despite its `Date` type; `new Date`
  // reads both.
  return { id: row.id, userId: row.userId, expiresAtMs: row.expiresAt === null ? null : new Date(row.expiresAt).getTime(), revoked: row.revokedAt !== null };
}
