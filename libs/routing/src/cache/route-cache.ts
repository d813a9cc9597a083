import type { PlatformFallback } from '../decision/route-decision.types.js';
import type { StoredUserKey } from './stored-user-key.js';
import { buildUserRoutes, type KeyDecryptor, type UserRoutes } from './user-routes.js';

/**
 * Subscribes to key-change announcements. `onMessage` gets a user id whose keys changed;
 * `onReconnect` is called when the subscription is live again after an outage (messages may have
 * been missed meanwhile). Resolves, once subscribed, to a function that unsubscribes.
 */
export type KeyChangeSubscribe = (onMessage: (userId: string) => void, onReconnect: () => void) => Promise<() => Promise<void>>;

/** Dependencies and limits of `createRouteCache`. */
export interface RouteCacheDeps {
  /** The user's stored keys (rows of `user_provider_keys`). */
  loadUserKeys(userId: string): Promise<readonly StoredUserKey[]>;
  /**
   * The user's routing settings (`byok_user_settings`), read with the keys; absent: defaults. A
   * settings change must announce the user on the key-change channel like a key change.
   */
  loadUserSettings?(userId: string): Promise<{ platformFallback: PlatformFallback }>;
  keyring: KeyDecryptor;
  subscribe: KeyChangeSubscribe;
  /** Age after which an entry is reloaded in the background while still served. Default 30 s. */
  ttlMs?: number;
  /**
   * How long after its last successful load an entry may still be served when reloading it fails
   * (Postgres unreachable). Past it the entry is reloaded before use, and a failed reload fails the
   * request. Default 10 minutes.
   */
  staleMaxMs?: number;
  /** Most users held; the least recently used is dropped beyond it. Default 100,000. */
  maxUsers?: number;
  now?: () => number;
  /** Told about a background reload that failed (the old entry stays in use). */
  onRefreshError?: (userId: string, error: unknown) => void;
  /** Told the id of a key that did not decrypt (never the token). */
  onUndecryptableKey?: (userId: string, keyId: string) => void;
}

/** Per-process cache of every active user's routing state. */
export interface RouteCache {
  /** The user's routes: from memory when present (reloaded in the background once stale), else loaded. */
  get(userId: string): Promise<UserRoutes>;
  /** Drops one user's entry, and makes a load already under way for them not be stored. */
  invalidate(userId: string): void;
  /** Drops every entry, likewise. */
  clear(): void;
  /**
   * Marks every entry for a reload before its next use (key-change messages may have been
   * missed): a user's next request waits for the reload, and is served the old entry only when
   * the reload fails, within `staleMaxMs`. Loads under way are not kept.
   */
  revalidateAll(): void;
  /** Subscribes to key changes; entries loaded before this are dropped once it resolves. */
  start(): Promise<void>;
  /** Unsubscribes and drops every entry. */
  close(): Promise<void>;
  /** Number of users held. */
  readonly size: number;
}

interface Entry {
  readonly routes: UserRoutes;
  /** When a hit should start a background reload. */
  refreshAt: number;
  /** When its keys were read (the staleness bound counts from here). */
  readonly loadedAt: number;
  /** Set after a reconnect: the next use reloads first. */
  revalidate: boolean;
  /** `moves` when this entry was last put at the young end of the LRU order. */
  movedAt: number;
}

/** One load under way; its identity tells whether it is still wanted when it ends. */
interface Flight {
  promise: Promise<UserRoutes> | null;
}

/** After a failed background reload, the next try waits at most this long. */
const REFRESH_RETRY_MS = 1000;
const DEFAULT_STALE_MAX_MS = 600_000;

/**
 * Holds each user's keys, decrypted once on load, in process memory only, so a request never
 * touches Postgres or decrypts. Entries are dropped when a key-change message names the user, all
 * of them when the subscription comes back after an outage; the TTL is a safety net for a missed
 * message. While loads fail (Postgres unreachable) entries are served stale, up to `staleMaxMs`
 * after their last successful load; a user whose entry was dropped by a key-change message is not
 * served stale (the change may be a removal), and a reconnect marks entries for revalidation
 * instead of dropping them, so a Redis reconnect during a Postgres outage loses nothing. Concurrent misses for one user share one load. Beyond `maxUsers`, the least recently
 * used user is dropped (approximately: see `moveAfter`).
 */
export function createRouteCache(deps: RouteCacheDeps): RouteCache {
  const ttlMs = deps.ttlMs ?? 30_000;
  const staleMaxMs = deps.staleMaxMs ?? DEFAULT_STALE_MAX_MS;
  // Within the TTL an entry is fresh; past this age it is reloaded before use (0 = never stale).
  const hardAgeMs = Math.max(staleMaxMs, ttlMs);
  const maxUsers = Math.max(1, deps.maxUsers ?? 100_000);
  const now = deps.now ?? Date.now;
  // Map order is the LRU order: eviction takes the first entry, and a hit moves its user to the
  // end, unless fewer than `maxUsers / 2` entries were put there since it last was: it cannot
  // reach the front before that many more, so skipping the move (a delete and a set, the
  // dearest part of a hit) keeps every user seen within the last `maxUsers / 2` moves.
  const entries = new Map<string, Entry>();
  const flights = new Map<string, Flight>();
  const moveAfter = Math.floor(maxUsers / 2);
  let moves = 0;
  let subscription: Promise<() => Promise<void>> | null = null;
  /** When the last load failed; -Infinity after a success. While recent, stale entries are served without waiting for another load. */
  let failedAt = Number.NEGATIVE_INFINITY;

  function store(userId: string, routes: UserRoutes): void {
    entries.delete(userId);
    const at = now();
    entries.set(userId, { routes, refreshAt: at + ttlMs, loadedAt: at, revalidate: false, movedAt: ++moves });
    while (entries.size > maxUsers) {
      const oldest = entries.keys().next();
      if (oldest.done === true) break;
      entries.delete(oldest.value);
    }
  }

  async function run(userId: string, flight: Flight): Promise<UserRoutes> {
    try {
      let rows: readonly StoredUserKey[];
      let settings: { platformFallback: PlatformFallback } | undefined;
      try {
        [rows, settings] = await Promise.all([deps.loadUserKeys(userId), deps.loadUserSettings?.(userId)]);
      } catch (error) {
        failedAt = now();
        throw error;
      }
      failedAt = Number.NEGATIVE_INFINITY;
      const routes = buildUserRoutes(userId, rows, deps.keyring, { onUndecryptableKey: deps.onUndecryptableKey, platformFallback: settings?.platformFallback });
      // An invalidation while this load ran may mean it read the old keys: hand them to the
      // requests that waited, but do not keep them.
      if (flights.get(userId) === flight) store(userId, routes);
      return routes;
    } finally {
      if (flights.get(userId) === flight) flights.delete(userId);
    }
  }

  function load(userId: string): Promise<UserRoutes> {
    const pending = flights.get(userId);
    if (pending?.promise) return pending.promise;
    const flight: Flight = { promise: null };
    flights.set(userId, flight);
    flight.promise = run(userId, flight);
    return flight.promise;
  }

  function refreshInBackground(userId: string, entry: Entry): void {
    if (flights.has(userId)) return;
    load(userId).catch((error: unknown) => {
      if (entries.get(userId) === entry) entry.refreshAt = now() + Math.min(ttlMs, REFRESH_RETRY_MS);
      deps.onRefreshError?.(userId, error);
    });
  }

  /** A reload the request waits for, falling back to the old entry only when the reload fails within the bound. */
  function reloadOrStale(userId: string, entry: Entry): Promise<UserRoutes> {
    const usable = () => entries.get(userId) === entry && now() - entry.loadedAt < staleMaxMs;
    // The database failed moments ago: do not make this request wait for it to fail again.
    if (usable() && now() - failedAt < REFRESH_RETRY_MS) {
      refreshInBackground(userId, entry);
      return Promise.resolve(entry.routes);
    }
    return load(userId).catch((error: unknown) => {
      if (!usable()) throw error;
      deps.onRefreshError?.(userId, error);
      return entry.routes;
    });
  }

  function invalidate(userId: string): void {
    entries.delete(userId);
    flights.delete(userId);
  }

  function revalidateAll(): void {
    for (const entry of entries.values()) entry.revalidate = true;
    flights.clear();
  }

  function clear(): void {
    entries.clear();
    flights.clear();
  }

  return {
    get(userId) {
      const entry = entries.get(userId);
      if (entry === undefined) return load(userId);
      if (moves - entry.movedAt >= moveAfter) {
        entries.delete(userId);
        entries.set(userId, entry);
        entry.movedAt = ++moves;
      }
      if (entry.revalidate || now() - entry.loadedAt >= hardAgeMs) return reloadOrStale(userId, entry);
      if (now() >= entry.refreshAt) refreshInBackground(userId, entry);
      return Promise.resolve(entry.routes);
    },
    invalidate,
    clear,
    revalidateAll,
    async start() {
      if (subscription !== null) {
        await subscription;
        return;
      }
      subscription = deps.subscribe(invalidate, revalidateAll);
      try {
        await subscription;
      } catch (error) {
        subscription = null;
        throw error;
      }
      clear();
    },
    async close() {
      const pending = subscription;
      subscription = null;
      clear();
      if (pending !== null) await (await pending)();
    },
    get size() {
      return entries.size;
    },
  };
}
