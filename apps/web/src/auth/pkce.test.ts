import { describe, expect, it } from 'vitest';
import { base64Url, randomToken, s256Challenge } from './pkce.js';
import { decodeJwtClaims, sessionFromToken } from './session.js';

describe('PKCE', () => {
  it('derives the S256 challenge of RFC 7636, appendix B', async () => {
    expect(await s256Challenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('makes verifiers of the allowed alphabet and length, never twice the same', () => {
    const a = randomToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomToken()).not.toBe(a);
    expect(base64Url(new Uint8Array([251, 255]))).toBe('-_8');
  });
});

describe('session from a token', () => {
  const token = (claims: Record<string, unknown>) => `e30.${base64Url(new TextEncoder().encode(JSON.stringify(claims)))}.sig`;

  it('reads who is signed in and whether they are an admin, for display', () => {
    expect(sessionFromToken(token({ sub: 'alice', roles: ['admin'], exp: 2_000_000_000 }))).toMatchObject({ userId: 'alice', admin: true, expiresAtMs: 2_000_000_000_000 });
    // Keycloak puts roles under realm_access and a readable name in preferred_username.
    expect(sessionFromToken(token({ sub: 'f1e2', preferred_username: 'dana', realm_access: { roles: ['user'] } }), 5)).toMatchObject({ userId: 'dana', admin: false, expiresAtMs: 5 });
  });

  it('treats anything that is not a JWT as claim-less', () => {
    expect(decodeJwtClaims('not-a-jwt')).toEqual({});
    expect(decodeJwtClaims('a.%%%.c')).toEqual({});
    expect(sessionFromToken('byok_opaque')).toMatchObject({ userId: 'you', admin: false, expiresAtMs: null });
  });
});
