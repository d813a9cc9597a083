import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeBase64UrlPadded } from './base64url.js';
import { InvalidTokenError } from './errors.js';
import { generateKey } from './fernet-key.js';
import { TOKEN_LAYOUT } from './fernet-token.js';
import { createKeyring } from './keyring.js';

const KEY = generateKey();
const ring = createKeyring([KEY]);
const TOKEN = ring.encrypt(`sk-test-${'fake'.repeat(16)}`);

/** Captures the error a call throws, failing the test if it does not throw. */
function thrown(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

function expectGenericFailure(token: string): void {
  const error = thrown(() => ring.decrypt(token));
  expect(error).toBeInstanceOf(InvalidTokenError);
  expect(Object.getPrototypeOf(error)).toBe(InvalidTokenError.prototype);
  expect((error as Error).message).toBe('invalid token');
  expect((error as Error).cause).toBeUndefined();
}

/** Rewrites a token's bytes and signs the result with the real key, as only a key holder could. */
function resign(token: string, edit: (data: Buffer) => void): string {
  const data = Buffer.from(token, 'base64url');
  edit(data);
  const macOffset = data.length - TOKEN_LAYOUT.MAC_BYTES;
  const signingKey = Buffer.from(KEY, 'base64url').subarray(0, 16);
  createHmac('sha256', signingKey).update(data.subarray(0, macOffset)).digest().copy(data, macOffset);
  return encodeBase64UrlPadded(data);
}

describe('tampering', () => {
  it('rejects every single-bit flip of the token text with the same error', () => {
    let flips = 0;
    for (let i = 0; i < TOKEN.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const flipped = TOKEN.slice(0, i) + String.fromCharCode(TOKEN.charCodeAt(i) ^ (1 << bit)) + TOKEN.slice(i + 1);
        expectGenericFailure(flipped);
        flips++;
      }
    }
    expect(flips).toBe(TOKEN.length * 8);
  });

  it('rejects every single-bit flip of the token bytes with the same error', () => {
    const data = Buffer.from(TOKEN, 'base64url');
    for (let i = 0; i < data.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const copy = Buffer.from(data);
        copy.writeUInt8(data.readUInt8(i) ^ (1 << bit), i);
        expectGenericFailure(encodeBase64UrlPadded(copy));
      }
    }
  });

  it('rejects a version byte other than 0x80 even with a valid MAC', () => {
    // Control: re-signing without changes yields a token that still decrypts.
    expect(ring.decrypt(resign(TOKEN, () => {}))).toBe(ring.decrypt(TOKEN));
    for (const version of [0x00, 0x7f, 0x81, 0xff]) {
      expectGenericFailure(resign(TOKEN, (data) => data.writeUInt8(version, 0)));
    }
  });

  it('rejects truncated and extended tokens', () => {
    const data = Buffer.from(TOKEN, 'base64url');
    for (let length = 0; length < data.length; length++) {
      expectGenericFailure(encodeBase64UrlPadded(data.subarray(0, length)));
    }
    expectGenericFailure(encodeBase64UrlPadded(Buffer.concat([data, Buffer.alloc(16)])));
  });

  it('accepts only the canonical padded base64url text', () => {
    const unpadded = TOKEN.replace(/=+$/, '');
    const standard = Buffer.from(TOKEN, 'base64url').toString('base64');
    const variants = [unpadded, `${TOKEN}=`, `${TOKEN}\n`, ` ${TOKEN}`, TOKEN.replace(/^(.{10})/, '$1 ')];
    if (standard !== TOKEN) variants.push(standard);
    for (const variant of variants) expectGenericFailure(variant);
  });
});

describe('IVs', () => {
  it('never repeats an IV across 100,000 encryptions', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) {
      const token = ring.encrypt('fake');
      seen.add(Buffer.from(token, 'base64url').subarray(TOKEN_LAYOUT.IV_OFFSET, TOKEN_LAYOUT.CIPHERTEXT_OFFSET).toString('hex'));
    }
    expect(seen.size).toBe(100_000);
  });
});
