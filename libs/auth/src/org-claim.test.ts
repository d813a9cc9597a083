import { describe, expect, it } from 'vitest';
import { MAX_CLAIM_ORGS, orgsFromClaim } from './org-claim.js';
import { principalFromClaims } from './principal.js';

describe('orgsFromClaim', () => {
  it('reads an array of names, an object keyed by name (Keycloak) and a single name', () => {
    expect(orgsFromClaim(['acme', 'globex'])).toEqual(['acme', 'globex']);
    expect(orgsFromClaim({ acme: { id: '9f1c' }, globex: {} })).toEqual(['acme', 'globex']);
    expect(orgsFromClaim('acme')).toEqual(['acme']);
  });

  it('ignores every other shape and every unusable name', () => {
    for (const value of [undefined, null, 42, true, 0]) expect(orgsFromClaim(value)).toEqual([]);
    expect(orgsFromClaim(['acme', 7, null, ['nested'], { name: 'x' }, '', '   ', 'a\u0000b', 'lone\uD800', 'x'.repeat(256), 'acme'])).toEqual(['acme']);
    expect(orgsFromClaim({ 'bad\uDC00': {}, ok: {} })).toEqual(['ok']);
  });

  it('keeps a paired surrogate (an emoji) and a name of exactly 255 characters', () => {
    expect(orgsFromClaim(['team 🚀', 'y'.repeat(255)])).toEqual(['team 🚀', 'y'.repeat(255)]);
  });

  it(`takes at most ${MAX_CLAIM_ORGS} distinct names`, () => {
    const many = Array.from({ length: 500 }, (_, i) => `org-${i}`);
    expect(orgsFromClaim([...many.slice(0, 3), ...many])).toEqual(many.slice(0, MAX_CLAIM_ORGS));
  });
});

describe('principalFromClaims with an org claim', () => {
  const settings = { userIdClaim: 'sub', adminRole: 'admin' };

  it('carries the claim organizations only when the claim is configured', () => {
    const payload = { sub: 'u1', organization: { acme: { id: '1' } } };
    expect(principalFromClaims(payload, settings).orgs).toBeUndefined();
    expect(principalFromClaims(payload, { ...settings, orgClaim: 'organization' }).orgs).toEqual(['acme']);
    expect(principalFromClaims({ sub: 'u1' }, { ...settings, orgClaim: 'organization' }).orgs).toEqual([]);
  });
});
