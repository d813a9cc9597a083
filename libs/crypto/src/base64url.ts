/**
 * Strict, canonical base64url for Fernet tokens. Node's decoder is lenient (it skips unknown
 * characters, accepts `+/`, and ignores non-zero trailing bits), so we accept a text only when it
 * is exactly the padded encoding of the bytes it decodes to. That makes the text-to-bytes mapping
 * one-to-one: no two different token strings can carry the same bytes, so every bit flip of a
 * token changes what is verified.
 */

/** Encodes bytes as base64url with `=` padding, as Python's `urlsafe_b64encode` does. */
export function encodeBase64UrlPadded(bytes: Buffer): string {
  const text = bytes.toString('base64url');
  // Unpadded base64url lengths are never 1 (mod 4); 2 and 3 need two and one `=` respectively.
  const rest = text.length % 4;
  return rest === 2 ? `${text}==` : rest === 3 ? `${text}=` : text;
}

/**
 * Decodes padded base64url, returning `null` for anything that is not the canonical padded
 * encoding of its bytes (wrong length, foreign characters, `+` or `/`, non-zero spare bits).
 */
export function decodeBase64UrlPadded(text: string): Buffer | null {
  if (text.length === 0 || text.length % 4 !== 0) return null;
  const bytes = Buffer.from(text, 'base64url');
  return encodeBase64UrlPadded(bytes) === text ? bytes : null;
}
