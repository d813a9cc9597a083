import { createCipheriv, createSecretKey, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AesCbcDecryptor } from './aes-cbc-decryptor.js';

/** Encrypts with OpenSSL's CBC, with or without its PKCS7 padding. */
function opensslCbc(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, pad = true): Buffer {
  const cipher = createCipheriv('aes-128-cbc', key, iv).setAutoPadding(pad);
  return Buffer.concat([cipher.update(plaintext), cipher.final()]);
}

describe('AesCbcDecryptor', () => {
  it("decrypts OpenSSL's AES-128-CBC for random keys, IVs and plaintexts, call after call", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.array(fc.tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ maxLength: 200 })), { minLength: 1, maxLength: 4 }),
        (key, messages) => {
          const decryptor = new AesCbcDecryptor(createSecretKey(key));
          for (const [iv, plaintext] of messages) {
            expect(decryptor.decrypt(iv, opensslCbc(key, iv, plaintext))).toEqual(Buffer.from(plaintext));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('returns null for every kind of bad padding', () => {
    const key = randomBytes(16);
    const iv = randomBytes(16);
    const decryptor = new AesCbcDecryptor(createSecretKey(key));
    const block = (bytes: number[]) => opensslCbc(key, iv, Buffer.from(bytes), false);
    const data = Array.from({ length: 12 }, () => 0x61);

    expect(decryptor.decrypt(iv, block([...data, 4, 4, 4, 4]))).toEqual(Buffer.from(data));
    expect(decryptor.decrypt(iv, block(Array.from({ length: 16 }, () => 16)))).toEqual(Buffer.alloc(0));
    expect(decryptor.decrypt(iv, block([...data, 1, 2, 3, 0]))).toBeNull();
    expect(decryptor.decrypt(iv, block([...data, 1, 2, 3, 17]))).toBeNull();
    expect(decryptor.decrypt(iv, block([...data, 3, 4, 4, 4]))).toBeNull();
    expect(decryptor.decrypt(iv, block([...data, 4, 3, 3, 4]))).toBeNull();
    // A failure leaves nothing behind for the next call.
    expect(decryptor.decrypt(iv, opensslCbc(key, iv, Buffer.from('fake')))).toEqual(Buffer.from('fake'));
  });

  it('refuses partial blocks instead of letting the ECB context buffer them', () => {
    const decryptor = new AesCbcDecryptor(createSecretKey(randomBytes(16)));
    expect(() => decryptor.decrypt(randomBytes(16), randomBytes(15))).toThrow(RangeError);
    expect(() => decryptor.decrypt(randomBytes(16), Buffer.alloc(0))).toThrow(RangeError);
    expect(() => decryptor.decrypt(randomBytes(8), randomBytes(16))).toThrow(RangeError);
  });
});
