import type { KeySets, PlatformFallback, UserKeyCandidate, UserKeyIndex } from '../decision/route-decision.types.js';
import { indexUserKeys, keySkipReason } from '../decision/user-key-index.js';
import { type StoredUserKey, toUserKeyCandidate } from './stored-user-key.js';
import { RunTurns } from './run-turns.js';

/** The keyring operations the cache needs (`Keyring` and `StoredKeyring` from `@byok/crypto` fit). */
export interface KeyDecryptor {
  decrypt(token: string): string;
  /**
   * When present (the runtime's `StoredKeyring`), used instead of `decrypt`: it also checks that
   * the token is bound to this row and owner, and throws like a bad token when it is not.
   */
  openBound?(stored: { id: string; userId: string; provider: string; token: string; bindingTag: string | null }): string;
}

/**
 * What a request routes with: a user's own routes (`UserRoutes`) or a member's routes while acting
 * for an organization (`OrgRoutes`).
 */
export interface Routes {
  /** The keys `decideRoute` considers, grouped by provider. Holds no key material. */
  readonly keys: UserKeyIndex | KeySets;
  /** May platform keys serve what the keys cannot (the user's setting, or the org's). */
  readonly platformFallback: PlatformFallback;
  /** The plaintext key for one of the usable keys; undefined for any other id. */
  credentialFor(keyId: string): string | undefined;
  /** Each run of equal-priority keys' turn (`RouteInput.turns`); the proxy advances a run when it tries one of its keys. */
  readonly turns: RunTurns;
}

/** A user's routing state in process memory: the key index for `decideRoute` and the usable keys. */
export interface UserRoutes extends Routes {
  readonly userId: string;
  /** The user's keys, grouped by provider for `decideRoute`. Holds no key material. */
  readonly keys: UserKeyIndex;
  /** What `JSON.stringify` shows: ids and states only. */
  toJSON(): { userId: string; keys: UserKeyCandidate[] };
}

/**
 * Holds the plaintexts in a private field: `JSON.stringify`, `util.inspect` (even with
 * `showHidden`) and object spreads cannot reach it; only `credentialFor` can.
 */
class UserRoutesEntry implements UserRoutes {
  readonly userId: string;
  readonly keys: UserKeyIndex;
  readonly platformFallback: PlatformFallback;
  readonly #credentials: ReadonlyMap<string, string>;
  // Per user, so that one user's equal-priority keys alternate whatever other users do.
  readonly turns = new RunTurns();

  constructor(userId: string, keys: UserKeyIndex, credentials: ReadonlyMap<string, string>, platformFallback: PlatformFallback) {
    this.userId = userId;
    this.keys = keys;
    this.platformFallback = platformFallback;
    this.#credentials = credentials;
  }

  credentialFor(keyId: string): string | undefined {
    return this.#credentials.get(keyId);
  }

  toJSON(): { userId: string; keys: UserKeyCandidate[] } {
    return { userId: this.userId, keys: [...this.keys.byProvider.values()].flatMap((list) => list.map((k) => k.key)) };
  }
}

/** Options of `buildUserRoutes`. */
export interface BuildUserRoutesOptions {
  /** Told the id (never the token) of a key that did not decrypt, e.g. to log it. */
  onUndecryptableKey?: ((userId: string, keyId: string) => void) | undefined;
  /** The user's setting; default `allow`. */
  platformFallback?: PlatformFallback | undefined;
  /** The rows are an organization's keys (`userId` is then `org:<org id>`): indexed as such. */
  org?: boolean | undefined;
}

/**
 * Decrypts the user's usable keys once and indexes all of them. Keys that routing would skip
 * anyway (disabled, invalid) are not decrypted, so their plaintext never enters memory. A key that
 * does not decrypt is marked `undecryptable` and skipped; the user's other keys still work.
 */
export function buildUserRoutes(userId: string, rows: readonly StoredUserKey[], keyring: KeyDecryptor, options: BuildUserRoutesOptions = {}): UserRoutes {
  const candidates: UserKeyCandidate[] = [];
  const credentials = new Map<string, string>();
  for (const row of rows) {
    const candidate = toUserKeyCandidate(row);
    if (candidate === null) continue;
    if (keySkipReason(candidate) === null) {
      try {
        credentials.set(row.id, openRow(keyring, userId, row));
      } catch {
        // The error is never kept: it adds nothing the key id does not say.
        candidate.unusable = 'undecryptable';
        options.onUndecryptableKey?.(userId, row.id);
      }
    }
    candidates.push(candidate);
  }
  return Object.freeze(new UserRoutesEntry(userId, indexUserKeys(candidates, { org: options.org === true }), credentials, options.platformFallback ?? 'allow'));
}

/**
 * Decrypts one of `userId`'s rows, checking its binding when the keyring can. The owner is the
 * user whose routes these are, not a column of the row, so a token copied into this user's row
 * from someone else's fails even with its original tag.
 */
function openRow(keyring: KeyDecryptor, userId: string, row: StoredUserKey): string {
  if (keyring.openBound === undefined) return keyring.decrypt(row.apiKeyEncrypted);
  return keyring.openBound({ id: row.id, userId, provider: row.provider, token: row.apiKeyEncrypted, bindingTag: row.bindingTag ?? null });
}
