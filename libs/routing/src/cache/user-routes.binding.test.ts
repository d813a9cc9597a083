import { createKeyring, createStoredKeyring, generateKey } from '@byok/crypto';
import { describe, expect, it } from 'vitest';
import { buildUserRoutes } from './user-routes.js';

const KEY = generateKey();
const stored = createStoredKeyring([KEY]);

/** Alice's saved row, bound to her, as the key service stores it. */
function aliceRow() {
  const row = { id: 'key-a', userId: 'alice', provider: 'openai' };
  const token = stored.encrypt('sk-alice-fake');
  return { ...row, apiKeyEncrypted: token, bindingTag: stored.bind(row, token).bindingTag, enabled: true, testStatus: 'valid' };
}

describe('route cache binding check', () => {
  it('uses a bound key in its own row', () => {
    const routes = buildUserRoutes('alice', [aliceRow()], stored);
    expect(routes.credentialFor('key-a')).toBe('sk-alice-fake');
  });

  it("marks a token copied into another user's row undecryptable, with or without its tag, and says which row", () => {
    const alice = aliceRow();
    const seen: string[] = [];
    for (const bindingTag of [alice.bindingTag, stored.bind({ id: 'key-b', userId: 'alice', provider: 'openai' }, alice.apiKeyEncrypted).bindingTag]) {
      const moved = { ...alice, id: 'key-b', bindingTag };
      const routes = buildUserRoutes('bob', [moved], stored, { onUndecryptableKey: (userId, keyId) => seen.push(`${userId}/${keyId}`) });
      expect(routes.credentialFor('key-b')).toBeUndefined();
      expect(routes.keys.byProvider.get('openai')?.[0]?.key.unusable).toBe('undecryptable');
    }
    expect(seen).toEqual(['bob/key-b', 'bob/key-b']);
  });

  it('accepts a legacy row without a tag', () => {
    const legacy = { ...aliceRow(), bindingTag: null };
    expect(buildUserRoutes('alice', [legacy], stored).credentialFor('key-a')).toBe('sk-alice-fake');
  });

  it('with a plain keyring (no binding support) only decrypts, as before', () => {
    const moved = { ...aliceRow(), id: 'key-b' };
    expect(buildUserRoutes('bob', [moved], createKeyring([KEY])).credentialFor('key-b')).toBe('sk-alice-fake');
  });
});
