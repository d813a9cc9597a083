/**
 * A keyring for tokens stored in rows: the plain `Keyring` plus key fingerprints and row binding.
 * See ROTATION.md for why the binding secret is derived per key and how rotation uses it.
 */
import { createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import { bindingTag, verifyBindingTag } from './binding-tag.js';
import { InvalidEncryptionKeyError, InvalidTokenError } from './errors.js';
import { keyFingerprint } from './key-fingerprint.js';
import { createKeyring, type Keyring } from './keyring.js';

/** The row a token is bound to. `(userId, provider)` is unique, `id` survives replacements. */
export interface RowIdentity {
  id: string;
  userId: string;
  provider: string;
}

/** A token as stored, with the tag that binds it to its row (null on rows written before tags). */
export interface StoredToken extends RowIdentity {
  token: string;
  bindingTag: string | null;
}

/** What a token and its tag are worth under the configured keys; never holds the plaintext. */
export type StoredTokenState =
  /** `keyIndex` opened it; `tagged` false means a legacy row without a tag (accepted, see ROTATION.md). */
  | { status: 'ok'; keyIndex: number; tagged: boolean }
  /** It opens, but its tag belongs to another row, owner, provider or token: refuse it. */
  | { status: 'binding_mismatch'; keyIndex: number }
  /** No configured key opens it. */
  | { status: 'undecryptable' };

/** The binding and fingerprint to store next to a token. */
export interface TokenRecord {
  bindingTag: string;
  keyFingerprint: string;
}

/** A `Keyring` that also knows its keys' fingerprints and binds tokens to rows. */
export interface StoredKeyring extends Keyring {
  /** Fingerprint of each configured key, in order (see `keyFingerprint`). */
  readonly fingerprints: readonly string[];
  /** Binding tag and fingerprint for a token, made with the key that opens it. @throws InvalidTokenError */
  bind(row: RowIdentity, token: string): TokenRecord;
  /**
   * Decrypts a stored token for use, after checking its binding tag. A null tag is accepted (rows
   * written before tags existed) unless `requireBindingTag` is set. @throws InvalidTokenError when no key opens it or the tag does
   * not match: both mean "do not use", and callers treat them alike.
   */
  openBound(stored: StoredToken): string;
  /** Classifies a stored token without throwing and without returning its plaintext. */
  inspect(stored: StoredToken): StoredTokenState;
  /** Re-encrypts under the first key (keeping the timestamp) and binds the new token. @throws InvalidTokenError */
  rotateBound(row: RowIdentity, token: string): TokenRecord & { token: string };
}

/** Separates the derived binding secret from any other use of the same Fernet key. */
const BINDING_INFO = 'byok-row-binding-v1';
const BINDING_SECRET_BYTES = 32;

/** Options of `createStoredKeyring`. */
export interface StoredKeyringOptions {
  /**
   * Refuse tokens without a binding tag, as if their tag did not match. Off by default so rows
   * written before tags keep working; turn it on once `keys:verify` reports no untagged rows,
   * because while untagged rows are accepted, anyone who can write the table can clear a tag.
   * A function is asked on every check, so a process can start requiring tags when the database
   * says the binding backfill has completed, without a restart.
   */
  requireBindingTag?: boolean | (() => boolean);
}

/**
 * Builds a `StoredKeyring`. Each key gets its own binding secret, HKDF-SHA256 of the whole Fernet
 * key, so a token's tag is made with the key that encrypted it: rotation rewrites token and tag
 * together, and dropping a key retires its tags with its tokens. No extra secret to configure.
 *
 * @throws InvalidEncryptionKeyError for a bad key, or for two different keys with one fingerprint
 *   (about one chance in four billion; a new key fixes it).
 */
export function createStoredKeyring(keys: readonly string[], options: StoredKeyringOptions = {}): StoredKeyring {
  const keyring = createKeyring(keys);
  const rule = options.requireBindingTag;
  const requireTag = (): boolean => (typeof rule === 'function' ? rule() : rule === true);
  const fingerprints = Object.freeze(keys.map((key, index) => keyFingerprint(key, index)));
  refuseFingerprintCollisions(keys, fingerprints);
  // Imported once as key objects: an HMAC over a Buffer key imports the key on every call (most of a save's binding cost).
  const secrets: readonly KeyObject[] = keys.map(deriveBindingSecret);

  const partsOf = (row: RowIdentity, token: string): string[] => [row.id, row.userId, row.provider, token];
  const record = (keyIndex: number, row: RowIdentity, token: string): TokenRecord => ({
    bindingTag: bindingTag(secretAt(secrets, keyIndex), partsOf(row, token)),
    keyFingerprint: fingerprintAt(fingerprints, keyIndex),
  });

  function inspect(stored: StoredToken): StoredTokenState {
    let keyIndex: number;
    try {
      // Bytes: a token of the earlier system whose plaintext is not UTF-8 is still a readable token.
      keyIndex = keyring.decryptBytesWithKeyIndex(stored.token).keyIndex;
    } catch (error) {
      if (error instanceof InvalidTokenError) return { status: 'undecryptable' };
      throw error;
    }
    if (stored.bindingTag === null) return requireTag() ? { status: 'binding_mismatch', keyIndex } : { status: 'ok', keyIndex, tagged: false };
    const matches = verifyBindingTag(secretAt(secrets, keyIndex), partsOf(stored, stored.token), stored.bindingTag);
    return matches ? { status: 'ok', keyIndex, tagged: true } : { status: 'binding_mismatch', keyIndex };
  }

  return Object.freeze({
    ...keyring,
    fingerprints,
    bind(row: RowIdentity, token: string): TokenRecord {
      return record(keyring.decryptBytesWithKeyIndex(token).keyIndex, row, token);
    },
    openBound(stored: StoredToken): string {
      const opened = keyring.decryptWithKeyIndex(stored.token);
      const bound = stored.bindingTag === null ? !requireTag() : verifyBindingTag(secretAt(secrets, opened.keyIndex), partsOf(stored, stored.token), stored.bindingTag);
      // The same error as a bad token: a moved token is exactly as unusable as a corrupt one.
      if (!bound) throw new InvalidTokenError();
      return opened.plaintext;
    },
    inspect,
    rotateBound(row: RowIdentity, token: string): TokenRecord & { token: string } {
      const rotated = keyring.rotate(token);
      return { token: rotated, ...record(0, row, rotated) };
    },
  });
}

/** True for the runtime's `StoredKeyring`; false for a plain `Keyring` (e.g. in unit tests). */
export function isStoredKeyring(keyring: Keyring): keyring is StoredKeyring {
  return typeof (keyring as Partial<StoredKeyring>).openBound === 'function';
}

/**
 * Decrypts a stored token for use: checks its binding when the keyring can, else only decrypts.
 * @throws InvalidTokenError
 */
export function openStoredToken(keyring: Keyring, stored: StoredToken): string {
  return isStoredKeyring(keyring) ? keyring.openBound(stored) : keyring.decrypt(stored.token);
}

function deriveBindingSecret(key: string): KeyObject {
  const bytes = Buffer.from(key, 'base64url');
  const derived = Buffer.from(hkdfSync('sha256', bytes, Buffer.alloc(0), BINDING_INFO, BINDING_SECRET_BYTES));
  try {
    return createSecretKey(derived);
  } finally {
    bytes.fill(0);
    derived.fill(0);
  }
}

function refuseFingerprintCollisions(keys: readonly string[], fingerprints: readonly string[]): void {
  for (const [index, fingerprint] of fingerprints.entries()) {
    const first = fingerprints.indexOf(fingerprint);
    // The same key listed twice is harmless; two different keys under one name are not.
    if (first < index && keys[first] !== keys[index]) {
      throw new InvalidEncryptionKeyError(index, `has the same fingerprint as the key at index ${first}; generate another key`);
    }
  }
}

function secretAt(secrets: readonly KeyObject[], index: number): KeyObject {
  const secret = secrets[index];
  if (secret === undefined) throw new RangeError(`no key at index ${index}`);
  return secret;
}

function fingerprintAt(fingerprints: readonly string[], index: number): string {
  const fingerprint = fingerprints[index];
  if (fingerprint === undefined) throw new RangeError(`no key at index ${index}`);
  return fingerprint;
}
