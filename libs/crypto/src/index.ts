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
