import type { GatewayTokenRow } from '@byok/db';
import { createTtlCache } from '../support/ttl-cache.js';

/** What the proxy keeps of a gateway token row: never the token, only its owner and validity. */
export interface KnownGatewayToken {
  id: string;
  userId: string;
  /** The organization the token was created for (lower case), which it always acts for; null: a personal token. */
  orgId: string | null;
  /** Epoch ms; null = never expires. Checked on every use, so expiry is exact despite caching. */
  expiresAtMs: number | null;
  revoked: boolean;
}

/**
 * Lookups by SHA-256 hex; `null` = no such token (also cached, so a flood of bad tokens stays in
 * memory). `drop` forgets a token entirely (a revocation: it is never served stale afterwards);
 * `clear` forgets the fresh answers but keeps the last known ones for an outage.
 */
export interface GatewayTokenCache {
  get(tokenHash: string): Promise<KnownGatewayToken | null>;
  /**
   * The fresh answer for `tokenHash` if one is cached (what `get` would answer without a lookup),
   * else undefined. Synchronous: the hot path's way to skip a promise per request.
   */
  peek(tokenHash: string): KnownGatewayToken | null | undefined;
  drop(tokenHash: string): void;
  clear(): void;
  /** Tokens whose last known answer could still be served (what readiness reports). */
  readonly size: number;
}

export interface GatewayTokenCacheDeps {
  /** `findGatewayTokenByHash`. */
  find(tokenHash: string): Promise<(GatewayTokenRow & { orgId?: string | null }) | null>;
  /** How long an answer is reused: the bound on how late a revocation is noticed. */
  ttlMs: number;
  /**
   * How long after its last successful lookup an answer is still used when the lookup fails
   * (Postgres unreachable); 0 = never serve stale. `PROXY_STALE_MAX_MS` (config.proxy) sets it.
   */
  staleMaxMs: number;
  /** Told when a failed lookup was answered from the last known state. */
  onStale?: (error: unknown) => void;
  maxEntries?: number;
  now?: () => number;
}

interface LastKnown {
  value: KnownGatewayToken | null;
  loadedAt: number;
}

/** After a failed lookup, requests use the last known answer without waiting on the database for this long. */
const FAILURE_HOLD_MS = 1000;

/**
 * A TTL cache of token lookups with a stale fallback: when a lookup fails (the database is
 * unreachable) the last answer read within `staleMaxMs` is used, so gateway-token callers are
 * served through a Postgres outage as JWT callers are. A token dropped by a revocation message is
 * forgotten, so a revocation announced over Redis holds during the outage.
 */
export function createGatewayTokenCache(deps: GatewayTokenCacheDeps): GatewayTokenCache {
  const now = deps.now ?? Date.now;
  const { staleMaxMs } = deps;
  const maxEntries = deps.maxEntries ?? 50_000;
  const fresh = createTtlCache({
    load: async (tokenHash) => {
      const row = await deps.find(tokenHash);
      return row === null ? null : toKnown(row);
    },
    ttlMs: deps.ttlMs,
    maxEntries,
    ...(deps.now ? { now: deps.now } : {}),
  });
  const lastKnown = new Map<string, LastKnown>();
  let failedAt = Number.NEGATIVE_INFINITY;
  /** Counts drops: an answer whose lookup a drop overtook is not remembered. */
  let drops = 0;

  function remember(tokenHash: string, value: KnownGatewayToken | null): void {
    lastKnown.delete(tokenHash);
    lastKnown.set(tokenHash, { value, loadedAt: now() });
    if (lastKnown.size > maxEntries) {
      const oldest = lastKnown.keys().next();
      if (oldest.done !== true) lastKnown.delete(oldest.value);
    }
  }

  function stale(tokenHash: string): LastKnown | undefined {
    const known = lastKnown.get(tokenHash);
    return known !== undefined && now() - known.loadedAt < staleMaxMs ? known : undefined;
  }

  return {
    async get(tokenHash) {
      const old = stale(tokenHash);
      // The database failed moments ago: answer from the last known state rather than wait again.
      if (old !== undefined && now() - failedAt < FAILURE_HOLD_MS) return old.value;
      const dropsBefore = drops;
      try {
        const value = await fresh.get(tokenHash);
        failedAt = Number.NEGATIVE_INFINITY;
        // A cache hit returns the same object: only a new lookup's answer is remembered anew.
        if (dropsBefore === drops && lastKnown.get(tokenHash)?.value !== value) remember(tokenHash, value);
        return value;
      } catch (error) {
        failedAt = now();
        const fallback = stale(tokenHash);
        if (fallback === undefined) throw error;
        deps.onStale?.(error);
        return fallback.value;
      }
    },
    peek(tokenHash) {
      // A fresh entry is what `get` answers too: a drop removes both it and the last known answer,
      // and while lookups fail the last known answer equals it (it was remembered when it loaded).
      return fresh.peek(tokenHash);
    },
    drop(tokenHash) {
      drops++;
      lastKnown.delete(tokenHash);
      fresh.drop(tokenHash);
    },
    clear() {
      fresh.clear();
    },
    get size() {
      return lastKnown.size;
    },
  };
}

function toKnown(row: GatewayTokenRow & { orgId?: string | null }): KnownGatewayToken {
  // The repository's raw query hands timestamps over as text despite its `Date` type; `new Date`
  // reads both.
  return { id: row.id, userId: row.userId, orgId: row.orgId?.toLowerCase() ?? null, expiresAtMs: row.expiresAt === null ? null : new Date(row.expiresAt).getTime(), revoked: row.revokedAt !== null };
}
