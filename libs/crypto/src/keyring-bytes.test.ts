/**
 * Finding (#12): the keyring decrypted only UTF-8 plaintext while Python's Fernet works on bytes,
 * so a token the earlier system wrote with other bytes could not be read. `encryptBytes` and
 * `decryptBytes` work on bytes, as Python does.
 */
import { createCipheriv, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidTokenError } from './errors.js';
import { generateKey } from './fernet-key.js';
import { createKeyring } from './keyring.js';
import { createStoredKeyring } from './stored-keyring.js';

/**
 * A Fernet token built straight from the spec (version 0x80, timestamp, IV, AES-128-CBC with PKCS7,
 * HMAC-SHA256 over all of it), as Python's `Fernet.encrypt(data)` builds it for any bytes.
 */
function specToken(key: string, plaintext: Buffer, timestamp: number): string {
  const raw = Buffer.from(key, 'base64url');
  const signingKey = raw.subarray(0, 16);
  const encryptionKey = raw.subarray(16);
  const iv = Buffer.alloc(16, 7);
  const cipher = createCipheriv('aes-128-cbc', encryptionKey, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const header = Buffer.alloc(9);
  header[0] = 0x80;
  header.writeBigUInt64BE(BigInt(timestamp), 1);
  const body = Buffer.concat([header, iv, ciphertext]);
  const mac = createHmac('sha256', signingKey).update(body).digest();
  // Python emits padded URL-safe base64; Node's base64url has no padding.
  const text = Buffer.concat([body, mac]).toString('base64url');
  return text + '='.repeat((4 - (text.length % 4)) % 4);
}

/** Latin-1 "café" and a lone 0xff: bytes that are not UTF-8. */
const NOT_UTF8 = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0xff, 0x00, 0x80]);

describe('keyring bytes', () => {
  const key = generateKey();
  const ring = createKeyring([key]);

  it('reads a token of the earlier system whose plaintext is not UTF-8', () => {
    const token = specToken(key, NOT_UTF8, 1_700_000_000);
    expect(ring.decryptBytes(token)).toEqual(NOT_UTF8);
    expect(ring.decryptBytesWithKeyIndex(token)).toEqual({ plaintext: NOT_UTF8, keyIndex: 0 });
    // The text API still refuses it: a provider key is text, and these bytes are not.
    expect(() => ring.decrypt(token)).toThrow(InvalidTokenError);
  });

  it('round-trips any bytes, and its tokens read back with the text API when they are UTF-8', () => {
    expect(ring.decryptBytes(ring.encryptBytes(NOT_UTF8))).toEqual(NOT_UTF8);
    expect(ring.decryptBytes(ring.encryptBytes(new Uint8Array()))).toEqual(Buffer.alloc(0));
    expect(ring.decrypt(ring.encryptBytes(Buffer.from('sk-fake-test-key', 'utf8')))).toBe('sk-fake-test-key');
    expect(ring.decryptBytes(ring.encrypt('sk-fake-test-key')).toString('utf8')).toBe('sk-fake-test-key');
  });

  it('decrypts with an older key of the ring and says which', () => {
    const older = generateKey();
    const token = specToken(older, NOT_UTF8, 1_700_000_000);
    expect(createKeyring([generateKey(), older]).decryptBytesWithKeyIndex(token).keyIndex).toBe(1);
  });

  it('refuses a tampered token and a token past its TTL with the one InvalidTokenError', () => {
    const token = specToken(key, NOT_UTF8, 1_700_000_000);
    const flipped = `${token.slice(0, 20)}${token[20] === 'A' ? 'B' : 'A'}${token.slice(21)}`;
    expect(() => ring.decryptBytes(flipped)).toThrow(InvalidTokenError);
    expect(() => ring.decryptBytes(token, { ttlSeconds: 60, now: 1_700_000_061 })).toThrow(InvalidTokenError);
    expect(() => ring.encryptBytes('text' as unknown as Uint8Array)).toThrow(TypeError);
  });

  it('a stored keyring binds and inspects such a token instead of calling it undecryptable', () => {
    const stored = createStoredKeyring([key]);
    const token = specToken(key, NOT_UTF8, 1_700_000_000);
    const row = { id: '00000000-0000-4000-8000-000000000001', userId: 'u', provider: 'openai' };
    const { bindingTag } = stored.bind(row, token);
    expect(stored.inspect({ ...row, token, bindingTag })).toEqual({ status: 'ok', keyIndex: 0, tagged: true });
  });
});
