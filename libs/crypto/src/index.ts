/**
 * @byok/crypto: encryption of stored provider keys (Fernet, compatible with Python's
 * `cryptography.fernet`), display masking, and row binding tags. Pure functions over `node:crypto`;
 * no I/O, no logging.
 */
export { bindingTag, verifyBindingTag } from './binding-tag.js';
export { InvalidEncryptionKeyError, InvalidTokenError } from './errors.js';
export { generateKey } from './fernet-key.js';
export { createKeyring, type DecryptOptions, type Keyring } from './keyring.js';
export { maskKey } from './mask-key.js';
export { describeKeyCoverage, type FingerprintCount, type KeyCoverage } from './key-coverage.js';
export { KEY_FINGERPRINT_LENGTH, keyFingerprint, keyFingerprints } from './key-fingerprint.js';
export {
  createStoredKeyring,
  isStoredKeyring,
  openStoredToken,
  type RowIdentity,
  type StoredKeyring,
  type StoredKeyringOptions,
  type StoredToken,
  type StoredTokenState,
  type TokenRecord,
} from './stored-keyring.js';
