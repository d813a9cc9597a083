/**
 * The Fernet token format (https://github.com/fernet/spec), on `node:crypto`:
 *
 *   0x80 | timestamp (8 bytes, big-endian seconds) | IV (16) | AES-128-CBC ciphertext | HMAC-SHA256 (32)
 *
 * The MAC covers everything before it. Token bytes are kept in a "framed" buffer that starts with
 * HMAC_HEADROOM scratch bytes, so the MAC is computed without copying the token. Functions here
 * return `null` instead of throwing, so the keyring can try several keys without exceptions and
 * throw one error from one place.
 */
import { isUtf8 } from 'node:buffer';
import { createCipheriv, timingSafeEqual } from 'node:crypto';
import { encodeBase64UrlPadded } from './base64url.js';
import type { FernetKeyMaterial } from './fernet-key.js';
import { HMAC_HEADROOM } from './hmac-sha256.js';

const VERSION = 0x80;
const IV_OFFSET = 9;
const CIPHERTEXT_OFFSET = 25;
const BLOCK_BYTES = 16;
const MAC_BYTES = 32;
/** Header, MAC and at least one cipher block (PKCS7 always adds one). */
const MIN_TOKEN_BYTES = CIPHERTEXT_OFFSET + BLOCK_BYTES + MAC_BYTES;
const MAX_CLOCK_SKEW_SECONDS = 60;
const TWO_POW_32 = 0x1_0000_0000;
/** Where token byte `i` lives in a framed buffer. */
const F = HMAC_HEADROOM;

/** Offsets shared with tests that build tokens by hand. */
export const TOKEN_LAYOUT = { VERSION, IV_OFFSET, CIPHERTEXT_OFFSET, MAC_BYTES } as const;

/** Token bytes at `framed.subarray(HMAC_HEADROOM)`; the bytes before are MAC scratch space. */
export type FramedToken = Buffer;

/**
 * Builds a token from explicit parts. `iv` must be 16 unpredictable bytes that are never reused
 * with the same key; callers other than tests pass fresh random bytes.
 */
export function sealToken(key: FernetKeyMaterial, plaintext: Uint8Array, iv: Uint8Array, timestamp: number): string {
  const ciphertextBytes = plaintext.length - (plaintext.length % BLOCK_BYTES) + BLOCK_BYTES;
  const macOffset = F + CIPHERTEXT_OFFSET + ciphertextBytes;
  // One buffer holds scratch space and the whole token; every token byte is written below.
  const framed = Buffer.allocUnsafe(macOffset + MAC_BYTES);
  framed[F] = VERSION;
  framed.writeUInt32BE(Math.floor(timestamp / TWO_POW_32), F + 1);
  framed.writeUInt32BE(timestamp >>> 0, F + 5);
  framed.set(iv, F + IV_OFFSET);

  const cipher = createCipheriv('aes-128-cbc', key.encryptionKey, iv);
  const head = cipher.update(plaintext);
  const tail = cipher.final();
  if (head.length + tail.length !== ciphertextBytes) {
    throw new Error('AES-CBC produced an unexpected ciphertext length');
  }
  framed.set(head, F + CIPHERTEXT_OFFSET);
  framed.set(tail, F + CIPHERTEXT_OFFSET + head.length);
  framed.set(key.signingKey.mac(framed, macOffset), macOffset);
  return encodeBase64UrlPadded(framed.subarray(F));
}

/**
 * Decodes a token's text and checks everything that does not need a key: canonical padded
 * base64url, version byte, minimum length, whole cipher blocks. Returns the framed bytes or `null`.
 */
export function parseToken(token: string): FramedToken | null {
  if (typeof token !== 'string' || token.length === 0 || token.length % 4 !== 0) return null;
  const framed = Buffer.allocUnsafe(F + (token.length / 4) * 3);
  const length = framed.write(token, F, 'base64url');
  const data = framed.subarray(F, F + length);
  // Node's decoder is lenient; the text must be exactly the canonical encoding of what it decoded
  // to, so that no two token strings carry the same bytes.
  if (encodeBase64UrlPadded(data) !== token) return null;
  if (length < MIN_TOKEN_BYTES || data[0] !== VERSION) return null;
  if ((length - CIPHERTEXT_OFFSET - MAC_BYTES) % BLOCK_BYTES !== 0) return null;
  return framed.subarray(0, F + length);
}

/** The token's creation time in Unix seconds (exact up to 2^53, far beyond any real clock). */
export function tokenTimestamp(framed: FramedToken): number {
  return framed.readUInt32BE(F + 1) * TWO_POW_32 + framed.readUInt32BE(F + 5);
}

/**
 * Python's TTL rule: with a TTL, a token is refused when `timestamp + ttl < now` (too old) or
 * `timestamp > now + 60` (from the future). Without a TTL, age and skew are not checked at all.
 */
export function isFresh(timestamp: number, ttlSeconds: number | undefined, nowSeconds: number): boolean {
  if (ttlSeconds === undefined) return true;
  return timestamp + ttlSeconds >= nowSeconds && timestamp <= nowSeconds + MAX_CLOCK_SKEW_SECONDS;
}

/**
 * Verifies the MAC with one key (constant time) and decrypts. Returns the plaintext bytes, or
 * `null` when the MAC does not match or the PKCS7 padding is bad.
 */
export function openToken(key: FernetKeyMaterial, framed: FramedToken): Buffer | null {
  const macOffset = framed.length - MAC_BYTES;
  if (!timingSafeEqual(key.signingKey.mac(framed, macOffset), framed.subarray(macOffset))) return null;

  // Bad PKCS7 padding behind a valid MAC comes back as null: same outcome as any other failure.
  return key.decryptor.decrypt(framed.subarray(F + IV_OFFSET, F + CIPHERTEXT_OFFSET), framed.subarray(F + CIPHERTEXT_OFFSET, macOffset));
}

/** Decodes plaintext bytes as UTF-8, or `null` if they are not valid UTF-8. */
export function utf8OrNull(bytes: Buffer): string | null {
  return isUtf8(bytes) ? bytes.toString('utf8') : null;
}
