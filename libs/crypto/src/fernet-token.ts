/**
 * The Fernet token format (https://github.com/fernet/spec), on `node:crypto`:
 *
 *   0x80 | timestamp (8 bytes, big-endian seconds) | IV (16) | AES-128-CBC ciphertext | HMAC-SHA256 (32)
 *
 * The MAC covers everything before it. Functions here return `null` instead of throwing, so the
 * keyring can try several keys without exceptions and throw one error from one place.
 */
import { isUtf8 } from 'node:buffer';
import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import { decodeBase64UrlPadded, encodeBase64UrlPadded } from './base64url.js';
import type { FernetKeyMaterial } from './fernet-key.js';

const VERSION = 0x80;
const IV_OFFSET = 9;
const CIPHERTEXT_OFFSET = 25;
const BLOCK_BYTES = 16;
const MAC_BYTES = 32;
/** Header, MAC and at least one cipher block (PKCS7 always adds one). */
const MIN_TOKEN_BYTES = CIPHERTEXT_OFFSET + BLOCK_BYTES + MAC_BYTES;
const MAX_CLOCK_SKEW_SECONDS = 60;
const TWO_POW_32 = 0x1_0000_0000;

/** Constants shared with tests that build tokens by hand. */
export const TOKEN_LAYOUT = { VERSION, IV_OFFSET, CIPHERTEXT_OFFSET, MAC_BYTES } as const;

/**
 * Builds a token from explicit parts. `iv` must be 16 unpredictable bytes that are never reused
 * with the same key; callers other than tests pass fresh random bytes.
 */
export function sealToken(key: FernetKeyMaterial, plaintext: Uint8Array, iv: Uint8Array, timestamp: number): string {
  const ciphertextBytes = plaintext.length - (plaintext.length % BLOCK_BYTES) + BLOCK_BYTES;
  const macOffset = CIPHERTEXT_OFFSET + ciphertextBytes;
  // One buffer holds the whole token; every byte of it is written below.
  const token = Buffer.allocUnsafe(macOffset + MAC_BYTES);
  token[0] = VERSION;
  token.writeUInt32BE(Math.floor(timestamp / TWO_POW_32), 1);
  token.writeUInt32BE(timestamp >>> 0, 5);
  token.set(iv, IV_OFFSET);

  const cipher = createCipheriv('aes-128-cbc', key.encryptionKey, iv);
  const head = cipher.update(plaintext);
  const tail = cipher.final();
  if (head.length + tail.length !== ciphertextBytes) {
    throw new Error('AES-CBC produced an unexpected ciphertext length');
  }
  token.set(head, CIPHERTEXT_OFFSET);
  token.set(tail, CIPHERTEXT_OFFSET + head.length);

  const mac = createHmac('sha256', key.signingKey).update(token.subarray(0, macOffset)).digest();
  token.set(mac, macOffset);
  return encodeBase64UrlPadded(token);
}

/**
 * Decodes a token's text and checks everything that does not need a key: canonical padded
 * base64url, version byte, minimum length, whole cipher blocks. Returns the raw bytes or `null`.
 */
export function parseToken(token: string): Buffer | null {
  if (typeof token !== 'string') return null;
  const data = decodeBase64UrlPadded(token);
  if (data === null || data.length < MIN_TOKEN_BYTES || data[0] !== VERSION) return null;
  if ((data.length - CIPHERTEXT_OFFSET - MAC_BYTES) % BLOCK_BYTES !== 0) return null;
  return data;
}

/** The token's creation time in Unix seconds (exact up to 2^53, far beyond any real clock). */
export function tokenTimestamp(data: Buffer): number {
  return data.readUInt32BE(1) * TWO_POW_32 + data.readUInt32BE(5);
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
export function openToken(key: FernetKeyMaterial, data: Buffer): Buffer | null {
  const macOffset = data.length - MAC_BYTES;
  const expected = createHmac('sha256', key.signingKey).update(data.subarray(0, macOffset)).digest();
  if (!timingSafeEqual(expected, data.subarray(macOffset))) return null;

  const decipher = createDecipheriv('aes-128-cbc', key.encryptionKey, data.subarray(IV_OFFSET, CIPHERTEXT_OFFSET));
  try {
    const head = decipher.update(data.subarray(CIPHERTEXT_OFFSET, macOffset));
    const tail = decipher.final();
    return tail.length === 0 ? head : Buffer.concat([head, tail]);
  } catch {
    // OpenSSL's "bad decrypt" (bad padding) behind a valid MAC: same outcome as any other failure.
    return null;
  }
}

/** Decodes plaintext bytes as UTF-8, or `null` if they are not valid UTF-8. */
export function utf8OrNull(bytes: Buffer): string | null {
  return isUtf8(bytes) ? bytes.toString('utf8') : null;
}
