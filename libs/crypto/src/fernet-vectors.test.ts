/** The fernet/spec acceptance vectors (testdata/fernet, copied unchanged from github.com/fernet/spec). */
import { describe, expect, it } from 'vitest';
import { encryptWithParts } from './encrypt-with-parts.js';
import { InvalidTokenError } from './errors.js';
import { createKeyring } from './keyring.js';
import generate from './testdata/fernet/generate.json' with { type: 'json' };
import invalid from './testdata/fernet/invalid.json' with { type: 'json' };
import verify from './testdata/fernet/verify.json' with { type: 'json' };

/** The vectors give times as RFC 3339 with an offset; tokens carry Unix seconds. */
function unixSeconds(rfc3339: string): number {
  return Date.parse(rfc3339) / 1000;
}

describe('fernet/spec generate.json', () => {
  it.each(generate)('reproduces $token byte for byte', (vector) => {
    const token = encryptWithParts(vector.secret, vector.src, {
      iv: Buffer.from(vector.iv),
      timestamp: unixSeconds(vector.now),
    });
    expect(token).toBe(vector.token);
  });
});

describe('fernet/spec verify.json', () => {
  it.each(verify)('decrypts $token', (vector) => {
    const keyring = createKeyring([vector.secret]);
    expect(keyring.decrypt(vector.token, { ttlSeconds: vector.ttl_sec, now: unixSeconds(vector.now) })).toBe(vector.src);
  });
});

describe('fernet/spec invalid.json', () => {
  it('has the 8 documented cases', () => {
    expect(invalid).toHaveLength(8);
  });

  it.each(invalid)('rejects "$desc" with the one generic error', (vector) => {
    const keyring = createKeyring([vector.secret]);
    const opts = { ttlSeconds: vector.ttl_sec, now: unixSeconds(vector.now) };
    expect(() => keyring.decrypt(vector.token, opts)).toThrow(InvalidTokenError);
    expect(() => keyring.decrypt(vector.token, opts)).toThrow(/^invalid token$/);
  });

  // Like Python's Fernet.decrypt(token) without ttl: these two are only invalid because of age.
  it.each(invalid.filter((v) => /far-future|expired/.test(v.desc)))('accepts "$desc" when no TTL is given', (vector) => {
    expect(createKeyring([vector.secret]).decrypt(vector.token)).toBe('');
  });
});
