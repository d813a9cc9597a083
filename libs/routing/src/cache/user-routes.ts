import type { UserKeyCandidate, UserKeyIndex } from '../decision/route-decision.types.js';
import { indexUserKeys, keySkipReason } from '../decision/user-key-index.js';
import { type StoredUserKey, toUserKeyCandidate } from './stored-user-key.js';

/** The one keyring operation the cache needs (`Keyring` from `@byok/crypto` fits). */
export interface KeyDecryptor {
  decrypt(token: string): string;
}

/** A user's routing state in process memory: the key index for `decideRoute` and the usable keys. */
export interface UserRoutes {
  readonly userId: string;
  /** The user's keys, grouped by provider for `decideRoute`. Holds no key material. */
  readonly keys: UserKeyIndex;
  /** The plaintext key for one of the user's usable keys; undefined for any other id. */
  credentialFor(keyId: string): string | undefined;
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
  readonly #credentials: ReadonlyMap<string, string>;

  constructor(userId: string, keys: UserKeyIndex, credentials: ReadonlyMap<string, string>) {
    this.userId = userId;
    this.keys = keys;
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
  onUndecryptableKey?: (userId: string, keyId: string) => void;
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
        credentials.set(row.id, keyring.decrypt(row.apiKeyEncrypted));
      } catch {
        // The error is never kept: it adds nothing the key id does not say.
        candidate.unusable = 'undecryptable';
        options.onUndecryptableKey?.(userId, row.id);
      }
    }
    candidates.push(candidate);
  }
  return Object.freeze(new UserRoutesEntry(userId, indexUserKeys(candidates), credentials));
}
