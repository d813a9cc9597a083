import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { constantTimeEqualHex, generateGatewayToken, hashGatewayToken, looksLikeGatewayToken } from './gateway-token.js';

describe('generateGatewayToken', () => {
  it('has the byok_ prefix, 38 base62 characters, a 12-character display prefix and a SHA-256 hash', () => {
    const { token, prefix, hash } = generateGatewayToken();
    expect(token).toMatch(/^byok_[0-9A-Za-z]{38}$/);
    expect(prefix).toBe(token.slice(0, 12));
    expect(hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('produces distinct tokens with every character of the alphabet in use', () => {
    const tokens = Array.from({ length: 500 }, () => generateGatewayToken().token);
    expect(new Set(tokens).size).toBe(500);
    const seen = new Set(tokens.flatMap((t) => [...t.slice(5, 37)]));
    expect(seen.size).toBe(62);
  });
});

describe('looksLikeGatewayToken', () => {
  it('accepts generated tokens', () => {
    for (let i = 0; i < 50; i += 1) expect(looksLikeGatewayToken(generateGatewayToken().token)).toBe(true);
  });

  it('rejects typos through the checksum', () => {
    const { token } = generateGatewayToken();
    const index = 10;
    const swapped = token[index] === 'a' ? 'b' : 'a';
    expect(looksLikeGatewayToken(`${token.slice(0, index)}${swapped}${token.slice(index + 1)}`)).toBe(false);
  });

  it.each([
    '',
    'byok_',
    'sk-or-v1-0123456789abcdef',
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.sig',
    'alice',
    `byok_${'A'.repeat(37)}`,
    `byok_${'A'.repeat(39)}`,
    `BYOK_${'A'.repeat(38)}`,
    `byok_${'A'.repeat(37)}-`,
  ])('rejects %j', (value) => {
    expect(looksLikeGatewayToken(value)).toBe(false);
  });
});

describe('hashGatewayToken and constantTimeEqualHex', () => {
  it('hashes deterministically and compares digests', () => {
    const { token, hash } = generateGatewayToken();
    expect(hashGatewayToken(token)).toBe(hash);
    expect(constantTimeEqualHex(hashGatewayToken(token), hash)).toBe(true);
    expect(constantTimeEqualHex(hash.toUpperCase(), hash)).toBe(true);
    expect(constantTimeEqualHex(hashGatewayToken(`${token}x`), hash)).toBe(false);
  });

  it('returns false instead of throwing for different lengths or non-hex input', () => {
    expect(constantTimeEqualHex('abcd', 'abcdef')).toBe(false);
    expect(constantTimeEqualHex('zz', 'zz')).toBe(false);
    expect(constantTimeEqualHex('abc', 'abc')).toBe(false);
    expect(constantTimeEqualHex('', '')).toBe(true);
  });
});
