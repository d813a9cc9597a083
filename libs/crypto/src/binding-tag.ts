/**
 * Row binding. Fernet has no associated data, so a token copied into another row (or another
 * user's row) would still decrypt. Storing `bindingTag(secret, [rowId, userId, ...])` next to the
 * token and checking it before use ties the token to its row.
 */
import { createHmac, type KeyObject, timingSafeEqual } from 'node:crypto';
import { isWellFormed } from './well-formed.js';

/** Separates these tags from any other HMAC someone might compute with the same secret. */
const DOMAIN = 'byok-binding-tag-v1';

/**
 * HMAC-SHA256 over the parts, each prefixed by its UTF-8 byte length (4 bytes, big-endian), so
 * `['ab', 'c']` and `['a', 'bc']` get different tags. Returned as unpadded base64url (43 chars).
 *
 * @param secret a dedicated secret (bytes, a string used as its UTF-8 bytes, or a secret
 *   `KeyObject`, which a caller tagging many rows should build once: Node imports bytes or a
 *   string as a key on every call); not empty.
 * @param parts the values the token must stay bound to, in a fixed order.
 * @throws RangeError for an empty secret; TypeError for a part with a lone surrogate.
 */
export function bindingTag(secret: Buffer | string | KeyObject, parts: readonly string[]): string {
  if ((typeof secret === 'string' || Buffer.isBuffer(secret) ? secret.length : (secret.symmetricKeySize ?? 0)) === 0) throw new RangeError('binding secret must not be empty');
  const hmac = createHmac('sha256', secret);
  for (const part of [DOMAIN, ...parts]) {
    if (!isWellFormed(part)) throw new TypeError('binding parts must be well-formed Unicode');
    const bytes = Buffer.from(part, 'utf8');
    const length = Buffer.allocUnsafe(4);
    length.writeUInt32BE(bytes.length);
    hmac.update(length).update(bytes);
  }
  return hmac.digest('base64url');
}

/**
 * Checks a stored tag against the parts in constant time. Returns `false` (never throws) for a
 * tag that is missing, malformed or for other parts.
 */
export function verifyBindingTag(secret: Buffer | string | KeyObject, parts: readonly string[], tag: string): boolean {
  const expected = Buffer.from(bindingTag(secret, parts), 'utf8');
  const given = typeof tag === 'string' ? Buffer.from(tag, 'utf8') : null;
  // Tags have a fixed public length, so checking it first leaks nothing.
  return given !== null && given.length === expected.length && timingSafeEqual(expected, given);
}
