import { InvalidEncryptionKeyError, InvalidTokenError } from './errors.js';
import { type FernetKeyMaterial, parseFernetKey } from './fernet-key.js';
import { isFresh, openToken, parseToken, sealToken, tokenTimestamp, utf8OrNull } from './fernet-token.js';
import { nextIv } from './random-iv.js';
import { isWellFormed } from './well-formed.js';

/** Options for checking a token's age, with Python's `Fernet.decrypt(token, ttl)` semantics. */
export interface DecryptOptions {
  /**
   * Maximum age in seconds. When set, tokens older than this or more than 60 s in the future are
   * refused. When unset, age is not checked (the right default for stored keys).
   */
  ttlSeconds?: number;
  /** The current time in Unix seconds; defaults to the system clock. */
  now?: number;
}

/**
 * Fernet encryption with key rotation, compatible both ways with Python's `MultiFernet`.
 * The first key encrypts; every key is tried, in order, to decrypt.
 */
export interface Keyring {
  /** Encrypts a UTF-8 string under the first key with the current time and a fresh random IV. */
  encrypt(plaintext: string): string;
  /** Decrypts a token made under any key of the ring. @throws InvalidTokenError for any failure. */
  decrypt(token: string, opts?: DecryptOptions): string;
  /**
   * Re-encrypts a token under the first key, keeping its original timestamp (like
   * `MultiFernet.rotate`), so rotation does not reset TTL ages. @throws InvalidTokenError
   */
  rotate(token: string): string;
  /**
   * Like `decrypt`, and also tells which key opened the token; `keyIndex > 0` means the token
   * should be rotated. @throws InvalidTokenError
   */
  decryptWithKeyIndex(token: string, opts?: DecryptOptions): { plaintext: string; keyIndex: number };
  /**
   * Encrypts bytes, like Python's `Fernet.encrypt(data: bytes)`: no encoding is assumed, so any
   * plaintext the earlier system could store can be stored here too.
   */
  encryptBytes(plaintext: Uint8Array): string;
  /**
   * Decrypts to bytes, like Python's `Fernet.decrypt`: a token whose plaintext is not UTF-8 (which
   * `decrypt` refuses) opens here. @throws InvalidTokenError for any failure.
   */
  decryptBytes(token: string, opts?: DecryptOptions): Buffer;
  /** Like `decryptBytes`, and also tells which key opened the token. @throws InvalidTokenError */
  decryptBytesWithKeyIndex(token: string, opts?: DecryptOptions): { plaintext: Buffer; keyIndex: number };
}

interface Opened {
  plaintext: Buffer;
  keyIndex: number;
  timestamp: number;
}

/**
 * Builds a keyring from Fernet keys (URL-safe base64 of 32 bytes, e.g. from `generateKey()`).
 * Keys are decoded and imported once here; the returned object holds them only in closures and
 * `KeyObject`s, so logging it shows no key material.
 *
 * @param keys newest key first; older keys stay in the list until every token is rotated.
 * @throws InvalidEncryptionKeyError naming the position of the first unusable key.
 */
export function createKeyring(keys: readonly string[]): Keyring {
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new InvalidEncryptionKeyError(null, 'at least one key is required');
  }
  const ring: readonly FernetKeyMaterial[] = keys.map((key, index) => parseFernetKey(key, index));
  const [primary] = ring;
  if (primary === undefined) {
    throw new InvalidEncryptionKeyError(null, 'at least one key is required');
  }

  function open(token: string, opts: DecryptOptions | undefined): Opened | null {
    // Options are read first so a bad TTL is reported even for a bad token.
    const ttlSeconds = ttlOf(opts);
    const nowSeconds = nowOf(opts);
    const data = parseToken(token);
    if (data === null) return null;
    const timestamp = tokenTimestamp(data);
    if (!isFresh(timestamp, ttlSeconds, nowSeconds)) return null;
    for (const [keyIndex, material] of ring.entries()) {
      const plaintext = openToken(material, data);
      if (plaintext !== null) return { plaintext, keyIndex, timestamp };
    }
    return null;
  }

  // Each public method throws from exactly one line, so even stack traces are the same for
  // every kind of bad token.
  function decryptWithKeyIndex(token: string, opts?: DecryptOptions): { plaintext: string; keyIndex: number } {
    const opened = open(token, opts);
    const plaintext = opened === null ? null : utf8OrNull(opened.plaintext);
    if (opened === null || plaintext === null) throw new InvalidTokenError();
    return { plaintext, keyIndex: opened.keyIndex };
  }

  function decryptBytesWithKeyIndex(token: string, opts?: DecryptOptions): { plaintext: Buffer; keyIndex: number } {
    const opened = open(token, opts);
    if (opened === null) throw new InvalidTokenError();
    return { plaintext: opened.plaintext, keyIndex: opened.keyIndex };
  }

  return Object.freeze({
    encrypt(plaintext: string): string {
      // Refusing lone surrogates keeps decrypt(encrypt(s)) === s for every accepted string.
      if (typeof plaintext !== 'string' || !isWellFormed(plaintext)) {
        throw new TypeError('plaintext must be a well-formed string');
      }
      return sealToken(primary, Buffer.from(plaintext, 'utf8'), nextIv(), Math.floor(Date.now() / 1000));
    },
    decrypt(token: string, opts?: DecryptOptions): string {
      return decryptWithKeyIndex(token, opts).plaintext;
    },
    rotate(token: string): string {
      // Rotation works on bytes, like Python's, so it never depends on the plaintext's encoding.
      const opened = open(token, undefined);
      if (opened === null) throw new InvalidTokenError();
      return sealToken(primary, opened.plaintext, nextIv(), opened.timestamp);
    },
    decryptWithKeyIndex,
    encryptBytes(plaintext: Uint8Array): string {
      if (!(plaintext instanceof Uint8Array)) throw new TypeError('plaintext must be a Uint8Array');
      // Copied, so a caller that reuses its buffer cannot change what is being sealed.
      return sealToken(primary, Buffer.from(plaintext), nextIv(), Math.floor(Date.now() / 1000));
    },
    decryptBytes(token: string, opts?: DecryptOptions): Buffer {
      return decryptBytesWithKeyIndex(token, opts).plaintext;
    },
    decryptBytesWithKeyIndex,
  });
}

/** A bad TTL is a programming error, not a bad token, so it throws a different error. */
function ttlOf(opts: DecryptOptions | undefined): number | undefined {
  const ttl = opts?.ttlSeconds;
  if (ttl !== undefined && !(Number.isFinite(ttl) && ttl >= 0)) {
    throw new RangeError('ttlSeconds must be a finite number >= 0');
  }
  return ttl;
}

function nowOf(opts: DecryptOptions | undefined): number {
  const now = opts?.now;
  if (now === undefined) return Math.floor(Date.now() / 1000);
  if (!Number.isFinite(now)) throw new RangeError('now must be a finite number of Unix seconds');
  return now;
}
