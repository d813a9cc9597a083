import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { encryptWithParts } from './encrypt-with-parts.js';
import { InvalidEncryptionKeyError, InvalidTokenError } from './errors.js';
import { generateKey } from './fernet-key.js';
import { createKeyring } from './keyring.js';

const GOOD = generateKey();

function keyError(keys: unknown[]): InvalidEncryptionKeyError {
  try {
    createKeyring(keys as string[]);
  } catch (error) {
    if (error instanceof InvalidEncryptionKeyError) return error;
    throw error;
  }
  throw new Error('expected InvalidEncryptionKeyError');
}

describe('invalid encryption keys', () => {
  const bytes = Buffer.from(GOOD, 'base64url');
  const bad: Array<[string, unknown]> = [
    ['empty string', ''],
    ['31 bytes', bytes.subarray(0, 31).toString('base64url')],
    ['33 bytes', Buffer.concat([bytes, Buffer.from([1])]).toString('base64url')],
    ['standard base64 with + and /', Buffer.alloc(32, 0xfb).toString('base64')],
    ['surrounding whitespace', ` ${GOOD}\n`],
    ['double padding', `${GOOD}=`],
    ['hex instead of base64', bytes.toString('hex')],
    ['not a string', 42],
  ];

  it.each(bad)('rejects %s, naming its position but not the key', (_label, key) => {
    const error = keyError([GOOD, GOOD, key]);
    expect(error.index).toBe(2);
    expect(error.message).toMatch(/^Invalid encryption key at index 2: /);
    if (typeof key === 'string' && key.length > 0) expect(error.message).not.toContain(key.trim());
    expect(error.message).not.toContain(GOOD);
  });

  it('rejects an empty list', () => {
    expect(keyError([]).index).toBeNull();
  });

  it('accepts a key with or without its trailing "="', () => {
    const ring = createKeyring([GOOD.replace(/=$/, '')]);
    expect(createKeyring([GOOD]).decrypt(ring.encrypt('fake'))).toBe('fake');
  });

  it('keeps key material out of logs of the keyring', () => {
    const ring = createKeyring([GOOD]);
    const shown = `${inspect(ring, { depth: 10, showHidden: true })} ${JSON.stringify(ring)}`;
    expect(shown).not.toContain(GOOD.slice(0, 20));
    expect(shown).not.toContain(Buffer.from(GOOD, 'base64url').subarray(0, 16).toString('hex'));
  });
});

describe('tokens that fail', () => {
  const ring = createKeyring([GOOD]);

  it.each<[string, unknown]>([
    ['an empty string', ''],
    ['a non-string', 12345],
    ['a token under another key', createKeyring([generateKey()]).encrypt('fake')],
    ['plain text', 'sk-test-fake-not-a-token'],
  ])('rejects %s', (_label, token) => {
    expect(() => ring.decrypt(token as string)).toThrow(InvalidTokenError);
    expect(() => ring.rotate(token as string)).toThrow(InvalidTokenError);
    expect(() => ring.decryptWithKeyIndex(token as string)).toThrow(InvalidTokenError);
  });

  it('rejects an authentic token whose plaintext is not UTF-8', () => {
    const token = encryptWithParts(GOOD, Buffer.from([0xff, 0xfe, 0x66]), { iv: Buffer.alloc(16), timestamp: 1 });
    expect(() => ring.decrypt(token)).toThrow(InvalidTokenError);
    // Rotation works on bytes, so it still succeeds, like Python's.
    expect(() => ring.rotate(token)).not.toThrow();
  });

  it('refuses encrypt-from-parts with a bad IV or timestamp', () => {
    expect(() => encryptWithParts(GOOD, 'fake', { iv: Buffer.alloc(15), timestamp: 1 })).toThrow(RangeError);
    expect(() => encryptWithParts(GOOD, 'fake', { iv: Buffer.alloc(16), timestamp: -1 })).toThrow(RangeError);
    expect(() => encryptWithParts(GOOD, 'fake', { iv: Buffer.alloc(16), timestamp: 1.5 })).toThrow(RangeError);
  });
});
