/** Cross-checks against the npm `fernet` package, an independent implementation of the spec. */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { generateKey } from './fernet-key.js';
import { createKeyring } from './keyring.js';

/** The part of the untyped npm `fernet` package used here. */
interface NpmFernet {
  Secret: new (key: string) => object;
  Token: new (opts: { secret: object; token?: string; ttl: number }) => { encode(message: string): string; decode(): string };
}

const npmFernet = createRequire(import.meta.url)('fernet') as NpmFernet;

describe('npm fernet interop', () => {
  const key = generateKey();
  const secret = new npmFernet.Secret(key);
  const ring = createKeyring([key]);

  it.each(['fake', `sk-or-v1-${'fake'.repeat(16)}`, 'sk-test-'.repeat(10)])('both ways for %j', (plaintext) => {
    expect(new npmFernet.Token({ secret, token: ring.encrypt(plaintext), ttl: 0 }).decode()).toBe(plaintext);
    expect(ring.decrypt(new npmFernet.Token({ secret, ttl: 0 }).encode(plaintext))).toBe(plaintext);
  });
});
