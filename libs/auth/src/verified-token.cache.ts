import { hash } from 'node:crypto';
import type { Principal } from './principal.js';

/** Settings for the cache of successful verifications. */
export interface VerifiedTokenCacheOptions {
  /** Longest time an entry lives, even when the token lives longer. Default 60. */
  ttlSeconds?: number;
  /** Bound on entries; the least recently used one is dropped beyond it. Default 10,000. */
  maxEntries?: number;
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number;
}

interface Entry {
  principal: Principal;
  expiresAtMs: number;
}

/**
 * Remembers recently verified tokens so the proxy's hot path skips signature checks.
 *
 * Invariants: only successful verifications are stored; entries are keyed by the SHA-256 of the
 * token, so the cache never holds a credential; an entry never outlives the token's `exp`, nor
 * `ttlSeconds` (which bounds how long a key rotation at the identity provider goes unnoticed);
 * callers get a copy, so they cannot change what the next request sees.
 */
export class VerifiedTokenCache {
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: VerifiedTokenCacheOptions = {}) {
    this.#ttlMs = (options.ttlSeconds ?? 60) * 1000;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Current number of entries, expired ones included until they are next touched. */
  get size(): number {
    return this.#entries.size;
  }

  /** Returns the cached principal for this token, or undefined when absent or expired. */
  get(token: string): Principal | undefined {
    const key = hashToken(token);
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAtMs <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    // Re-inserting moves the entry to the end of the Map's order, which makes eviction LRU.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return copyPrincipal(entry.principal);
  }

  /** Stores a verified principal until min(exp, now + ttl). Tokens without `exp` are not stored. */
  set(token: string, principal: Principal, expSeconds: number | undefined): void {
    if (expSeconds === undefined) return;
    const now = this.#now();
    const expiresAtMs = Math.min(expSeconds * 1000, now + this.#ttlMs);
    if (expiresAtMs <= now) return;
    const key = hashToken(token);
    this.#entries.delete(key);
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { principal: copyPrincipal(principal), expiresAtMs });
  }
}

function hashToken(token: string): string {
  return hash('sha256', token, 'base64url');
}

function copyPrincipal(principal: Principal): Principal {
  return { ...principal, roles: [...principal.roles] };
}
