import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

/** A newly issued personal token. Show `token` once; store only `hash` and `prefix`. */
export interface GeneratedGatewayToken {
  /** `byok_` + 32 random base62 characters + a 6-character base62 CRC32 checksum. */
  token: string;
  /** The first 12 characters, safe to display so users can tell their tokens apart. */
  prefix: string;
  /** SHA-256 of the whole token, lower-case hex: the value stored and looked up. */
  hash: string;
}

/** How every gateway token starts; secret scanners and the JWT verifier recognise it. */
export const GATEWAY_TOKEN_PREFIX = 'byok_';
const TOKEN_PREFIX = GATEWAY_TOKEN_PREFIX;
const RANDOM_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
const DISPLAY_PREFIX_LENGTH = 12;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const TOKEN_SHAPE = new RegExp(`^${TOKEN_PREFIX}[0-9A-Za-z]{${RANDOM_LENGTH + CHECKSUM_LENGTH}}$`);
const HEX = /^[0-9a-fA-F]*$/;

/**
 * Issues a personal gateway token for OpenAI-compatible clients. The fixed prefix lets secret
 * scanners recognise leaked tokens, and the checksum lets them (and us) reject typos without a
 * database lookup. 32 base62 characters carry about 190 bits, so a plain SHA-256 is a sufficient
 * stored form: there is nothing to brute-force, unlike a password.
 */
export function generateGatewayToken(): GeneratedGatewayToken {
  const body = randomBase62(RANDOM_LENGTH);
  const token = `${TOKEN_PREFIX}${body}${checksum(body)}`;
  return { token, prefix: token.slice(0, DISPLAY_PREFIX_LENGTH), hash: hashGatewayToken(token) };
}

/**
 * SHA-256 of the token, lower-case hex. Every proxied request hashes its token: the one-shot
 * `hash` skips the Hash object (and its per-call option lookups) of `createHash`.
 */
export function hashGatewayToken(token: string): string {
  return hash('sha256', token, 'hex');
}

/**
 * Cheap test (no I/O) whether a bearer value is one of our gateway tokens: right prefix, length,
 * alphabet and checksum. Used to route a bearer value to a token lookup instead of JWT checks.
 */
export function looksLikeGatewayToken(token: string): boolean {
  if (!TOKEN_SHAPE.test(token)) return false;
  const body = token.slice(TOKEN_PREFIX.length, TOKEN_PREFIX.length + RANDOM_LENGTH);
  return token.slice(TOKEN_PREFIX.length + RANDOM_LENGTH) === checksum(body);
}

/**
 * Compares two hex strings in time independent of where they differ. Returns false for strings
 * of different lengths or that are not hex (lengths are not secret: both are SHA-256 digests).
 */
export function constantTimeEqualHex(a: string, b: string): boolean {
  if (a.length !== b.length || a.length % 2 !== 0 || !HEX.test(a) || !HEX.test(b)) return false;
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

function checksum(body: string): string {
  let value = crc32(body);
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i += 1) {
    out = charAt(value % 62) + out;
    value = Math.floor(value / 62);
  }
  return out;
}

// Rejection sampling: bytes of 248 and above are dropped so every character is equally likely
// (248 = 4 × 62; a plain `% 62` would favour the first characters).
function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += charAt(byte % 62);
      if (out.length === length) break;
    }
  }
  return out;
}

function charAt(index: number): string {
  const char = BASE62[index];
  if (char === undefined) throw new RangeError(`base62 index out of range: ${index}`);
  return char;
}
