import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encryptWithParts } from './encrypt-with-parts.js';
import { InvalidTokenError } from './errors.js';
import { generateKey } from './fernet-key.js';
import { createKeyring } from './keyring.js';

const FAKE_PROVIDER_KEY = `sk-or-v1-${'fake'.repeat(16)}`;

/** Reads the 8-byte big-endian timestamp out of a token. */
function timestampOf(token: string): number {
  return Number(Buffer.from(token, 'base64url').readBigUInt64BE(1));
}

function ivOf(token: string): string {
  return Buffer.from(token, 'base64url').subarray(9, 25).toString('hex');
}

describe('encrypt / decrypt', () => {
  const keyring = createKeyring([generateKey()]);

  it.each(['', 'x', FAKE_PROVIDER_KEY, 'fake-ünïcode-🔑', 'f'.repeat(16), 'f'.repeat(1000)])('round-trips %j', (plaintext) => {
    expect(keyring.decrypt(keyring.encrypt(plaintext))).toBe(plaintext);
  });

  it('round-trips any well-formed string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (plaintext) => keyring.decrypt(keyring.encrypt(plaintext)) === plaintext),
      { numRuns: 500 },
    );
  });

  it('emits padded base64url tokens with version 0x80 and the current time', () => {
    const before = Math.floor(Date.now() / 1000);
    const token = keyring.encrypt(FAKE_PROVIDER_KEY);
    expect(token).toMatch(/^gAAAAA[A-Za-z0-9_-]+={0,2}$/);
    expect(token.length % 4).toBe(0);
    expect(timestampOf(token)).toBeGreaterThanOrEqual(before);
    expect(timestampOf(token)).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  it('refuses plaintext with a lone surrogate instead of silently changing it', () => {
    expect(() => keyring.encrypt('fake\uD800key')).toThrow(TypeError);
  });
});

describe('several keys', () => {
  const oldKey = generateKey();
  const newKey = generateKey();

  it('encrypts with the first key and decrypts with any, reporting which', () => {
    const oldToken = createKeyring([oldKey]).encrypt(FAKE_PROVIDER_KEY);
    const ring = createKeyring([newKey, oldKey]);
    expect(ring.decryptWithKeyIndex(oldToken)).toEqual({ plaintext: FAKE_PROVIDER_KEY, keyIndex: 1 });
    expect(ring.decryptWithKeyIndex(ring.encrypt(FAKE_PROVIDER_KEY))).toEqual({ plaintext: FAKE_PROVIDER_KEY, keyIndex: 0 });
    expect(createKeyring([newKey]).decrypt(ring.encrypt(FAKE_PROVIDER_KEY))).toBe(FAKE_PROVIDER_KEY);
    expect(() => createKeyring([oldKey]).decrypt(ring.encrypt(FAKE_PROVIDER_KEY))).toThrow(InvalidTokenError);
  });

  it('rotates under the first key, keeping the timestamp, with a fresh IV', () => {
    const created = 1_700_000_000;
    const oldToken = encryptWithParts(oldKey, FAKE_PROVIDER_KEY, { iv: Buffer.alloc(16, 7), timestamp: created });
    const rotated = createKeyring([newKey, oldKey]).rotate(oldToken);

    expect(rotated).not.toBe(oldToken);
    expect(timestampOf(rotated)).toBe(created);
    expect(ivOf(rotated)).not.toBe(ivOf(oldToken));
    expect(createKeyring([newKey]).decryptWithKeyIndex(rotated)).toEqual({ plaintext: FAKE_PROVIDER_KEY, keyIndex: 0 });
    expect(() => createKeyring([oldKey]).decrypt(rotated)).toThrow(InvalidTokenError);
  });

  it('rotates without checking age, like MultiFernet.rotate', () => {
    const ancient = encryptWithParts(oldKey, FAKE_PROVIDER_KEY, { iv: Buffer.alloc(16, 1), timestamp: 0 });
    expect(timestampOf(createKeyring([newKey, oldKey]).rotate(ancient))).toBe(0);
  });

  it('refuses to rotate a token no key opens', () => {
    const foreign = createKeyring([generateKey()]).encrypt(FAKE_PROVIDER_KEY);
    expect(() => createKeyring([newKey, oldKey]).rotate(foreign)).toThrow(InvalidTokenError);
  });
});

describe('TTL and clock skew (Python semantics)', () => {
  const key = generateKey();
  const keyring = createKeyring([key]);
  const created = 1_000_000;
  const token = encryptWithParts(key, 'fake', { iv: Buffer.alloc(16), timestamp: created });

  it('accepts up to and including timestamp + ttl', () => {
    expect(keyring.decrypt(token, { ttlSeconds: 10, now: created + 10 })).toBe('fake');
    expect(() => keyring.decrypt(token, { ttlSeconds: 10, now: created + 11 })).toThrow(InvalidTokenError);
  });

  it('accepts at most 60 s of clock skew when a TTL is given', () => {
    expect(keyring.decrypt(token, { ttlSeconds: 10, now: created - 60 })).toBe('fake');
    expect(() => keyring.decrypt(token, { ttlSeconds: 10, now: created - 61 })).toThrow(InvalidTokenError);
  });

  it('checks neither age nor skew without a TTL', () => {
    expect(keyring.decrypt(token, { now: created + 10 ** 9 })).toBe('fake');
    expect(keyring.decrypt(token, { now: 0 })).toBe('fake');
  });

  it('treats a bad TTL or clock as a programming error', () => {
    expect(() => keyring.decrypt(token, { ttlSeconds: Number.NaN })).toThrow(RangeError);
    expect(() => keyring.decrypt(token, { ttlSeconds: -1 })).toThrow(RangeError);
    expect(() => keyring.decrypt(token, { ttlSeconds: 10, now: Number.POSITIVE_INFINITY })).toThrow(RangeError);
  });
});

describe('generateKey', () => {
  it('returns distinct padded base64url keys of 32 bytes that a keyring accepts', () => {
    const keys = Array.from({ length: 100 }, generateKey);
    expect(new Set(keys).size).toBe(100);
    for (const key of keys) {
      expect(key).toMatch(/^[A-Za-z0-9_-]{43}=$/);
      expect(Buffer.from(key, 'base64url')).toHaveLength(32);
    }
    expect(() => createKeyring(keys)).not.toThrow();
  });
});
