import { ORG_OWNER_PREFIX, orgKeyOwner } from '@byok/auth';
import type { PlatformFallback } from '../decision/route-decision.types.js';
import { buildOrgRoutes, type OrgMembershipInfo, type OrgRoutes } from './org-routes.js';
import type { StoredUserKey } from './stored-user-key.js';
import { buildUserRoutes, type KeyDecryptor, type UserRoutes } from './user-routes.js';

/**
 * Subscribes to key-change announcements. `onMessage` gets a user id whose keys or memberships
 * changed, or `org:<org id>` when an organization's keys or settings changed;
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
  /**
   * The user's membership of the organization with its policy, or null when the user is not a
   * member or there is no such org (`findOrgMembership`). Without it nobody acts for an org.
   */
  loadOrgMembership?(orgId: string, userId: string): Promise<OrgMembershipInfo | null>;
  /**
   * The ids (lower-case) of the organizations the user is a member of (`findOrgIdsOfMember`),
   * cached per user like the user's keys, so a request naming an org the user is not in (a typo,
   * or a flood of random ids) is refused from memory: no query, and no entry that would push real
   * users' routes out of the cache. Membership changes and the creation of an org must announce the
   * user. Without it each named org is checked with `loadOrgMembership`.
   */
  loadMemberOrgIds?(userId: string): Promise<readonly string[]>;
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
  /**
   * How long "not a member" is believed before it is read again (a membership change is also
   * announced, which drops it at once). Default 5 s.
   */
  negativeTtlMs?: number;
  /** Most entries held (users, and members acting for an org); the least recently used is dropped beyond it. Default 100,000. */
  maxUsers?: number;
  now?: () => number;
  /** Told about a background reload that failed (the old entry stays in use). */
  onRefreshError?: (userId: string, error: unknown, orgId?: string) => void;
  /** Told the owner id (a user's, or `org:<org id>`) and the id of a key that did not decrypt (never the token). */
  onUndecryptableKey?: (userId: string, keyId: string) => void;
}

/** Per-process cache of every active user's routing state. */
export interface RouteCache {
  /** The user's routes: from memory when present (reloaded in the background once stale), else loaded. */
  get(userId: string): Promise<UserRoutes>;
  /**
   * The routes of `userId` acting for organization `orgId` (a lower-case UUID): the org's keys and
   * the member's merged by the org's policy; null when the user is not a member or there is no
   * such org. Cached like `get`, one entry per member and org.
   */
  getForOrg(userId: string, orgId: string): Promise<OrgRoutes | null>;
  /**
   * Drops the entries of a user id (the user's own and every org entry of that user) or of
   * `org:<org id>` (every member's entry for that org), and makes loads already under way for
   * them not be stored.
   */
  invalidate(id: string): void;
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

/** A user's routes, a member's routes for an org, or null: not a member of that org; or the orgs a user is a member of. */
type Loaded = UserRoutes | OrgRoutes | null | ReadonlySet<string>;

interface Entry {
  readonly routes: Loaded;
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
  promise: Promise<Loaded> | null;
}

/** After a failed background reload, the next try waits at most this long. */
const REFRESH_RETRY_MS = 1000;
const DEFAULT_STALE_MAX_MS = 600_000;
const DEFAULT_NEGATIVE_TTL_MS = 5000;
/**
 * Separates the org owner from the member in an org entry's key (`org:<org id>\0<user id>`). No user
 * id holds NUL or starts with `org:` (the authenticator refuses both), so the keys cannot collide.
 */
const CONTEXT_SEPARATOR = '\0';

function orgEntryKey(orgId: string, userId: string): string {
  return `${orgKeyOwner(orgId)}${CONTEXT_SEPARATOR}${userId}`;
}

/**
 * The key of the entry holding the orgs a user is a member of. It starts with NUL, which no user id
 * and no org entry's key does.
 */
const MEMBER_ORGS_PREFIX = `${CONTEXT_SEPARATOR}member-orgs${CONTEXT_SEPARATOR}`;

function memberOrgsKey(userId: string): string {
  return `${MEMBER_ORGS_PREFIX}${userId}`;
}

/** The org owner and the member of an org entry's key; undefined for a user's own entry. */
function orgEntryParts(key: string): { orgOwner: string; userId: string } | undefined {
  const split = key.startsWith(ORG_OWNER_PREFIX) ? key.indexOf(CONTEXT_SEPARATOR) : -1;
  if (split < 0) return undefined;
  return { orgOwner: key.slice(0, split), userId: key.slice(split + 1) };
}

/**
 * Holds each user's keys, decrypted once on load, in process memory only, so a request never
 * touches Postgres or decrypts. Entries are dropped when a key-change message names the user, all
 * of them when the subscription comes back after an outage; the TTL is a safety net for a missed
 * message. While loads fail (Postgres unreachable) entries are served stale, up to `staleMaxMs`
 * after their last successful load; a user whose entry was dropped by a key-change message is not
 * served stale (the change may be a removal), and a reconnect marks entries for revalidation
 * instead of dropping them, so a Redis reconnect during a Postgres outage loses nothing. Concurrent misses for one user share one load. Beyond `maxUsers`, the least recently
 * used user is dropped (approximately: see `moveAfter`).
 *
 * A member acting for an organization has an entry of its own per org (membership, the org's and
 * the member's keys, loaded together), found by one more Map lookup. An index from each user id
 * and each `org:<org id>` to those entries lets a key-change message drop all of them: a
 * membership change announces the user, an org change announces `org:<org id>`. "Not a member" is
 * cached too, for `negativeTtlMs`; with `loadMemberOrgIds`, the orgs a user is in are kept per user
 * (dropped with the user's entry), and an org outside them is refused before any entry is made.
 */
export function createRouteCache(deps: RouteCacheDeps): RouteCache {
  const ttlMs = deps.ttlMs ?? 30_000;
  const staleMaxMs = deps.staleMaxMs ?? DEFAULT_STALE_MAX_MS;
  // Within the TTL an entry is fresh; past this age it is reloaded before use (0 = never stale).
  const hardAgeMs = Math.max(staleMaxMs, ttlMs);
  const maxUsers = Math.max(1, deps.maxUsers ?? 100_000);
  const negativeTtlMs = Math.min(ttlMs, deps.negativeTtlMs ?? DEFAULT_NEGATIVE_TTL_MS);
  const now = deps.now ?? Date.now;
  // Map order is the LRU order: eviction takes the first entry, and a hit moves its user to the
  // end, unless fewer than `maxUsers / 2` entries were put there since it last was: it cannot
  // reach the front before that many more, so skipping the move (a delete and a set, the
  // dearest part of a hit) keeps every user seen within the last `maxUsers / 2` moves.
  const entries = new Map<string, Entry>();
  const flights = new Map<string, Flight>();
  /** The keys of org entries (stored or loading), by their member's user id and by `org:<org id>`. */
  const orgEntries = new Map<string, Set<string>>();
  const moveAfter = Math.floor(maxUsers / 2);
  let moves = 0;
  let subscription: Promise<() => Promise<void>> | null = null;
  /** When the last load failed; -Infinity after a success. While recent, stale entries are served without waiting for another load. */
  let failedAt = Number.NEGATIVE_INFINITY;

  function indexOrgEntry(key: string): void {
    const parts = orgEntryParts(key);
    if (parts === undefined) return;
    for (const id of [parts.userId, parts.orgOwner]) {
      const keys = orgEntries.get(id);
      if (keys === undefined) orgEntries.set(id, new Set([key]));
      else keys.add(key);
    }
  }

  function unindexOrgEntry(key: string): void {
    const parts = orgEntryParts(key);
    if (parts === undefined) return;
    for (const id of [parts.userId, parts.orgOwner]) {
      const keys = orgEntries.get(id);
      if (keys?.delete(key) === true && keys.size === 0) orgEntries.delete(id);
    }
  }

  function store(key: string, routes: Loaded): void {
    entries.delete(key);
    const at = now();
    entries.set(key, { routes, refreshAt: at + (routes === null ? negativeTtlMs : ttlMs), loadedAt: at, revalidate: false, movedAt: ++moves });
    while (entries.size > maxUsers) {
      const oldest = entries.keys().next();
      if (oldest.done === true) break;
      entries.delete(oldest.value);
      if (!flights.has(oldest.value)) unindexOrgEntry(oldest.value);
    }
  }

  /** Reads what an entry is made of: a user's keys and settings, or a membership with the org's and the member's keys. */
  async function read(key: string): Promise<Loaded> {
    if (key.startsWith(MEMBER_ORGS_PREFIX)) return new Set(await deps.loadMemberOrgIds?.(key.slice(MEMBER_ORGS_PREFIX.length)));
    const parts = orgEntryParts(key);
    if (parts === undefined) {
      const [rows, settings] = await Promise.all([deps.loadUserKeys(key), deps.loadUserSettings?.(key)]);
      return buildUserRoutes(key, rows, deps.keyring, { onUndecryptableKey: deps.onUndecryptableKey, platformFallback: settings?.platformFallback });
    }
    const { orgOwner, userId } = parts;
    const orgId = orgOwner.slice(ORG_OWNER_PREFIX.length);
    if (deps.loadOrgMembership === undefined) return null;
    // One round trip: a non-member's key rows are read for nothing, but never decrypted.
    const [membership, orgRows, memberRows] = await Promise.all([deps.loadOrgMembership(orgId, userId), deps.loadUserKeys(orgOwner), deps.loadUserKeys(userId)]);
    if (membership === null) return null;
    return buildOrgRoutes(userId, membership, { member: memberRows, org: orgRows, orgOwner }, deps.keyring, { onUndecryptableKey: deps.onUndecryptableKey });
  }

  async function run(key: string, flight: Flight): Promise<Loaded> {
    try {
      let routes: Loaded;
      try {
        routes = await read(key);
      } catch (error) {
        failedAt = now();
        throw error;
      }
      failedAt = Number.NEGATIVE_INFINITY;
      // An invalidation while this load ran may mean it read the old keys: hand them to the
      // requests that waited, but do not keep them.
      if (flights.get(key) === flight) store(key, routes);
      return routes;
    } finally {
      if (flights.get(key) === flight) flights.delete(key);
      if (!flights.has(key) && !entries.has(key)) unindexOrgEntry(key);
    }
  }

  function load(key: string): Promise<Loaded> {
    const pending = flights.get(key);
    if (pending?.promise) return pending.promise;
    const flight: Flight = { promise: null };
    flights.set(key, flight);
    indexOrgEntry(key);
    flight.promise = run(key, flight);
    return flight.promise;
  }

  function refreshInBackground(userId: string, entry: Entry): void {
    if (flights.has(userId)) return;
    load(userId).catch((error: unknown) => {
      if (entries.get(userId) === entry) entry.refreshAt = now() + Math.min(ttlMs, REFRESH_RETRY_MS);
      refreshFailed(userId, error);
    });
  }

  /** A reload the request waits for, falling back to the old entry only when the reload fails within the bound. */
  function reloadOrStale(userId: string, entry: Entry): Promise<Loaded> {
    const usable = () => entries.get(userId) === entry && now() - entry.loadedAt < staleMaxMs;
    // The database failed moments ago: do not make this request wait for it to fail again.
    if (usable() && now() - failedAt < REFRESH_RETRY_MS) {
      refreshInBackground(userId, entry);
      return Promise.resolve(entry.routes);
    }
    return load(userId).catch((error: unknown) => {
      if (!usable()) throw error;
      refreshFailed(userId, error);
      return entry.routes;
    });
  }

  function refreshFailed(key: string, error: unknown): void {
    const parts = orgEntryParts(key);
    if (parts === undefined) deps.onRefreshError?.(key, error);
    else deps.onRefreshError?.(parts.userId, error, parts.orgOwner.slice(ORG_OWNER_PREFIX.length));
  }

  function drop(key: string): void {
    entries.delete(key);
    flights.delete(key);
  }

  function invalidate(id: string): void {
    drop(id);
    drop(memberOrgsKey(id));
    const keys = orgEntries.get(id);
    if (keys === undefined) return;
    for (const key of keys) {
      drop(key);
      unindexOrgEntry(key);
    }
  }

  function revalidateAll(): void {
    for (const entry of entries.values()) entry.revalidate = true;
    flights.clear();
  }

  function clear(): void {
    entries.clear();
    flights.clear();
    orgEntries.clear();
  }

  function lookup(key: string): Promise<Loaded> {
    const entry = entries.get(key);
    if (entry === undefined) return load(key);
    if (moves - entry.movedAt >= moveAfter) {
      entries.delete(key);
      entries.set(key, entry);
      entry.movedAt = ++moves;
    }
    // "Not a member" is not refreshed in the background: past its TTL it is read again first.
    if (entry.revalidate || now() - entry.loadedAt >= hardAgeMs || (entry.routes === null && now() >= entry.refreshAt)) return reloadOrStale(key, entry);
    if (now() >= entry.refreshAt) refreshInBackground(key, entry);
    return Promise.resolve(entry.routes);
  }

  return {
    // A user's own key (never `org:…`) only ever holds that user's routes.
    get: (userId) => lookup(userId) as Promise<UserRoutes>,
    // An org entry's key only ever holds a member's routes for that org, or null.
    getForOrg: async (userId, orgId) => {
      if (deps.loadMemberOrgIds !== undefined && !((await lookup(memberOrgsKey(userId))) as ReadonlySet<string>).has(orgId)) return null;
      return lookup(orgEntryKey(orgId, userId)) as Promise<OrgRoutes | null>;
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
