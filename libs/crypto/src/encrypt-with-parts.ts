/**
 * Internal hook, not exported from the package index: builds a token from a fixed IV and
 * timestamp so tests can reproduce the fernet/spec `generate.json` vectors byte for byte.
 * Production code must use `Keyring.encrypt`, which always draws a fresh random IV.
 */
import { parseFernetKey } from './fernet-key.js';
import { sealToken } from './fernet-token.js';

/** The fixed inputs that `Keyring.encrypt` normally chooses itself. */
export interface TokenParts {
  /** Exactly 16 bytes. */
  iv: Buffer;
  /** Unix seconds, a non-negative safe integer. */
  timestamp: number;
}

/**
 * Encrypts `plaintext` under one Fernet key with the given IV and timestamp.
 * @throws InvalidEncryptionKeyError for a bad key; RangeError for a bad IV or timestamp.
 */
export function encryptWithParts(key: string, plaintext: string | Uint8Array, parts: TokenParts): string {
  if (parts.iv.length !== 16) throw new RangeError('iv must be 16 bytes');
  if (!Number.isSafeInteger(parts.timestamp) || parts.timestamp < 0) {
    throw new RangeError('timestamp must be a non-negative integer');
  }
  const bytes = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
  return sealToken(parseFernetKey(key, 0), bytes, parts.iv, parts.timestamp);
}
