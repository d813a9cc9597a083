/**
 * Key fingerprints: a short public name for each configured encryption key, stored next to every
 * token (`user_provider_keys.key_fingerprint`) so "which rows need which key" is a GROUP BY
 * instead of a decrypt of every row.
 */
import { createHash } from 'node:crypto';
import { parseFernetKey } from './fernet-key.js';

/** Length of a fingerprint in hex characters (32 bits). */
export const KEY_FINGERPRINT_LENGTH = 8;

/** Bytes of a Fernet key that sign tokens (the first half). */
const SIGNING_KEY_BYTES = 16;

/**
 * The first 8 hex characters of SHA-256 over the key's signing half. It names a key without
 * revealing it: 32 bits of a hash of a 128-bit random secret give no useful handle on the secret.
 * Operators can compute it elsewhere, e.g. in Python:
 * `hashlib.sha256(base64.urlsafe_b64decode(key)[:16]).hexdigest()[:8]`.
 *
 * @param key a Fernet key as configured.
 * @param index the key's position in the configured list, used only in the error.
 * @throws InvalidEncryptionKeyError for a key `createKeyring` would refuse.
 */
export function keyFingerprint(key: string, index = 0): string {
  // Parsing first gives the same validation and errors as the keyring.
  parseFernetKey(key, index);
  const bytes = Buffer.from(key, 'base64url');
  try {
    return createHash('sha256').update(bytes.subarray(0, SIGNING_KEY_BYTES)).digest('hex').slice(0, KEY_FINGERPRINT_LENGTH);
  } finally {
    bytes.fill(0);
  }
}

/** The fingerprint of every key in a configured list, in order. */
export function keyFingerprints(keys: readonly string[]): string[] {
  return keys.map((key, index) => keyFingerprint(key, index));
}
