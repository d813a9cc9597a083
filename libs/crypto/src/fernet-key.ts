import { type KeyObject, createSecretKey, randomBytes } from 'node:crypto';
import { AesCbcDecryptor } from './aes-cbc-decryptor.js';
import { encodeBase64UrlPadded } from './base64url.js';
import { InvalidEncryptionKeyError } from './errors.js';
import { HmacSha256Key } from './hmac-sha256.js';

/** The two halves of a Fernet key, imported once so the hot path never re-decodes them. */
export interface FernetKeyMaterial {
  /** First 16 bytes: HMAC-SHA256 key. */
  readonly signingKey: HmacSha256Key;
  /** Last 16 bytes: AES-128-CBC key, for encryption. */
  readonly encryptionKey: KeyObject;
  /** The same AES key in a reusable decryption context. */
  readonly decryptor: AesCbcDecryptor;
}

const KEY_BYTES = 32;
const HALF_BYTES = 16;

/**
 * Parses one Fernet key: URL-safe base64 of 32 bytes, with or without its trailing `=`.
 * Standard base64 (`+`, `/`) is refused; Fernet keys are always generated URL-safe.
 * The halves live in a `KeyObject` and in private fields, which keeps them out of `console.log`
 * and JSON output.
 *
 * @param key the key text, as configured.
 * @param index the key's position in the configured list, used only in the error.
 * @throws InvalidEncryptionKeyError naming `index`, never the key.
 */
export function parseFernetKey(key: unknown, index: number): FernetKeyMaterial {
  if (typeof key !== 'string') {
    throw new InvalidEncryptionKeyError(index, 'not a string');
  }
  const bytes = Buffer.from(key, 'base64url');
  const canonical = bytes.toString('base64url');
  // Only the exact encoding (43 characters, optionally one `=`) is accepted, so a typo cannot
  // silently decode to a different key.
  if (key !== canonical && key !== `${canonical}=`) {
    throw new InvalidEncryptionKeyError(index, 'not URL-safe base64 (expected 44 characters like generateKey() returns)');
  }
  if (bytes.length !== KEY_BYTES) {
    throw new InvalidEncryptionKeyError(index, `decodes to ${bytes.length} bytes, expected ${KEY_BYTES}`);
  }
  const encryptionKey = createSecretKey(bytes.subarray(HALF_BYTES));
  const material = {
    signingKey: new HmacSha256Key(bytes.subarray(0, HALF_BYTES)),
    encryptionKey,
    decryptor: new AesCbcDecryptor(encryptionKey),
  };
  // Both holders copied the bytes; wipe our transient copy.
  bytes.fill(0);
  return material;
}

/**
 * Returns a fresh random Fernet key: 32 bytes as URL-safe base64 with padding, the same format as
 * Python's `Fernet.generate_key()`.
 */
export function generateKey(): string {
  return encodeBase64UrlPadded(randomBytes(KEY_BYTES));
}
