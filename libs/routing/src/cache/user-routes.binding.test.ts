import { createKeyring, createStoredKeyring, generateKey } from '@byok/crypto';
import { describe, expect, it } from 'vitest';
import { buildOrgRoutes } from './org-routes.js';
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

  it("opens an org's key bound to the org's owner id for a member, and refuses a member's key moved into the org", () => {
    const orgOwner = 'org:0b6f6c1e-4f5a-4c1e-9d7b-2a1c3e5f7a90';
    const orgRow = { id: 'key-org', userId: orgOwner, provider: 'openai' };
    const token = stored.encrypt('sk-org-fake');
    const boundToOrg = { ...orgRow, apiKeyEncrypted: token, bindingTag: stored.bind(orgRow, token).bindingTag, enabled: true, testStatus: 'valid' };
    const alicesMoved = { ...aliceRow(), id: 'key-moved' };
    const membership = { orgId: orgOwner.slice(4), role: 'member', memberKeys: 'allow' as const, platformFallback: 'allow' as const };
    const routes = buildOrgRoutes('alice', membership, { member: [], org: [boundToOrg, alicesMoved], orgOwner }, stored);
    expect(routes.credentialFor('key-org')).toBe('sk-org-fake');
    expect(routes.credentialFor('key-moved')).toBeUndefined();
  });
});
