/** Tokens made by Python's cryptography.fernet (see testdata/README.md for how they were made). */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createKeyring } from './keyring.js';
import interop from './testdata/python/interop.json' with { type: 'json' };
import legacy from './testdata/python/legacy-ops-center.json' with { type: 'json' };

function timestampOf(token: string): bigint {
  return Buffer.from(token, 'base64url').readBigUInt64BE(1);
}

describe('legacy ops-center rows (Python Fernet, BYOK_ENCRYPTION_KEY of that deployment)', () => {
  const ring = createKeyring([legacy.encryption_key]);

  it.each(legacy.rows)('decrypts the $provider row $id', (row) => {
    const plaintext = ring.decrypt(row.token);
    expect(plaintext).toHaveLength(row.plaintext_length);
    expect(createHash('sha256').update(plaintext).digest('hex')).toBe(row.plaintext_sha256);
  });
});

describe('fresh Python tokens', () => {
  it.each(interop.tokens)('decrypts %#', (entry) => {
    expect(createKeyring([entry.key]).decrypt(entry.token)).toBe(entry.plaintext);
  });

  it('reads a MultiFernet.rotate result, and our rotate keeps the same timestamp', () => {
    const { old_key, new_key, plaintext, original, rotated } = interop.rotation;
    expect(createKeyring([new_key]).decrypt(rotated)).toBe(plaintext);
    expect(timestampOf(rotated)).toBe(timestampOf(original));

    const ours = createKeyring([new_key, old_key]).rotate(original);
    expect(timestampOf(ours)).toBe(timestampOf(original));
    expect(createKeyring([new_key]).decrypt(ours)).toBe(plaintext);
  });
});
