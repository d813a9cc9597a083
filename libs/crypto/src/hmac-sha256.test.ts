import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HMAC_HEADROOM, HmacSha256Key } from './hmac-sha256.js';

function framed(message: Uint8Array): Buffer {
  const buffer = Buffer.alloc(HMAC_HEADROOM + message.length, 0xaa);
  buffer.set(message, HMAC_HEADROOM);
  return buffer;
}

describe('HmacSha256Key', () => {
  it('agrees with createHmac for random keys and messages, across repeated calls', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 3 }), (key, messages) => {
        const hmac = new HmacSha256Key(key);
        for (const message of messages) {
          const expected = createHmac('sha256', key).update(message).digest();
          const buffer = framed(message);
          expect(hmac.mac(buffer, buffer.length)).toEqual(expected);
          // The message itself is left untouched.
          expect(buffer.subarray(HMAC_HEADROOM)).toEqual(Buffer.from(message));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses keys longer than one block', () => {
    expect(() => new HmacSha256Key(new Uint8Array(65))).toThrow(RangeError);
  });

  it('keeps the key out of inspection and JSON', () => {
    const hmac = new HmacSha256Key(Buffer.alloc(16, 0x42));
    expect(JSON.stringify(hmac)).toBe('{}');
    expect(String(Object.keys(hmac))).toBe('');
  });
});
