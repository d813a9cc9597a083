import { describe, expect, it } from 'vitest';
import { decodeBase64UrlPadded, encodeBase64UrlPadded } from './base64url.js';

describe('padded base64url', () => {
  it('pads like Python urlsafe_b64encode and round-trips every length', () => {
    expect(encodeBase64UrlPadded(Buffer.from([0xfb, 0xff]))).toBe('-_8=');
    expect(encodeBase64UrlPadded(Buffer.from([0xfb]))).toBe('-w==');
    for (let length = 1; length < 40; length++) {
      const bytes = Buffer.from(Array.from({ length }, (_, i) => (i * 37 + 11) & 0xff));
      expect(decodeBase64UrlPadded(encodeBase64UrlPadded(bytes))).toEqual(bytes);
    }
  });

  it.each([
    ['empty', ''],
    ['missing padding', '-w'],
    ['extra padding', '-w==='],
    ['non-zero spare bits', '-x=='],
    ['standard alphabet', '+w=='],
    ['inner whitespace', '-_8= '],
    ['padding inside', 'AA==AAAA'],
    ['foreign characters', '%%%%'],
  ])('refuses %s', (_label, text) => {
    expect(decodeBase64UrlPadded(text)).toBeNull();
  });
});
