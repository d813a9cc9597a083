import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { b64urlJson, startOidcIssuer, type OidcIssuerFixture } from '../test/oidc-issuer.fixture.js';
import { AuthError } from './auth.errors.js';
import { createAuthenticator, type Authenticator } from './authenticator.js';

const SECRET = 'test-secret-that-is-long-enough-0123456789';
let idp: OidcIssuerFixture;
let oidc: Authenticator;
let hs256: Authenticator;

beforeAll(async () => {
  idp = await startOidcIssuer();
  oidc = createAuthenticator({ mode: 'oidc', jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience: 'byok-gateway', userIdClaim: 'sub', adminRole: 'admin' });
  hs256 = createAuthenticator({ mode: 'hs256', secret: SECRET, issuer: 'byok-gateway', audience: 'byok-gateway', userIdClaim: 'sub', adminRole: 'admin' });
});

afterAll(async () => {
  await idp.close();
});

async function rejection(promise: Promise<unknown>): Promise<AuthError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof AuthError)) throw new Error(`expected an AuthError, got ${String(err)}`);
  expect(err.status).toBe(401);
  return err;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return (await rejection(promise)).code;
}

// The refusal must come from the algorithm allow-list, not from some later accident.
async function expectAlgorithmRefused(promise: Promise<unknown>): Promise<void> {
  const err = await rejection(promise);
  expect(err.code).toBe('invalid_token');
  expect(err.message).toMatch(/algorithm that is not accepted/);
}

function unsignedToken(payload: Record<string, unknown>): string {
  return `${b64urlJson({ alg: 'none', typ: 'JWT' })}.${b64urlJson(payload)}.`;
}

describe('malformed or missing credentials', () => {
  it.each([undefined, '', '   '])('refuses a missing header (%j) with missing_credentials', async (header) => {
    expect(await codeOf(oidc.verify(header))).toBe('missing_credentials');
  });

  it.each(['Basic dXNlcjpwYXNz', 'Token abc.def.ghi', 'Bearer', 'Bearer ', 'Bearer a b', 'eyJhbGciOi.x.y'])(
    'refuses a header that is not "Bearer <token>": %j',
    async (header) => {
      expect(await codeOf(oidc.verify(header))).toBe('invalid_token');
    },
  );

  it.each(['not-a-jwt', 'a.b', 'a.b.c.d.e', 'e30.e30.!!!', '....'])('refuses a malformed JWT: %j', async (token) => {
    expect(await codeOf(oidc.verify(`Bearer ${token}`))).toBe('invalid_token');
  });

  it("refuses the earlier system's bare user id as a bearer value", async () => {
    for (const legacy of ['alice', 'alice@example.com', '3f2b8c1e-6a0e-4d7e-9a57-1c1f4cfb1f0e']) {
      expect(await codeOf(oidc.verify(`Bearer ${legacy}`))).toBe('invalid_token');
      expect(await codeOf(hs256.verify(`Bearer ${legacy}`))).toBe('invalid_token');
    }
  });

  it('refuses an absurdly long bearer value before parsing it', async () => {
    expect(await codeOf(oidc.verify(`Bearer ${'a'.repeat(10_000)}.b.c`))).toBe('invalid_token');
  });
});

describe('algorithm attacks', () => {
  it('refuses alg: none in both modes', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: idp.issuer, aud: 'byok-gateway', sub: 'mallory', roles: ['admin'], exp: now + 300 };
    await expectAlgorithmRefused(oidc.verify(`Bearer ${unsignedToken(claims)}`));
    await expectAlgorithmRefused(hs256.verify(`Bearer ${unsignedToken({ ...claims, iss: 'byok-gateway' })}`));
    // Some libraries accept a junk signature segment with alg none.
    expect(await codeOf(oidc.verify(`Bearer ${unsignedToken(claims)}c2ln`))).toBe('invalid_token');
  });

  it('refuses an HS256 token keyed with the public RSA key (algorithm confusion)', async () => {
    const publicKeyBytes = new TextEncoder().encode(JSON.stringify(idp.publicJwk));
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({ sub: 'mallory', roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256', kid: idp.kid })
      .setIssuer(idp.issuer)
      .setAudience('byok-gateway')
      .setExpirationTime(now + 300)
      .sign(publicKeyBytes);
    await expectAlgorithmRefused(oidc.verify(`Bearer ${forged}`));
  });

  it('refuses an RS256 token in hs256 mode', async () => {
    const token = await idp.sign({ iss: 'byok-gateway' });
    await expectAlgorithmRefused(hs256.verify(`Bearer ${token}`));
  });
});

describe('tampering and forged signatures', () => {
  it('refuses a token whose payload was changed after signing', async () => {
    const token = await idp.sign({ sub: 'mallory', roles: [] });
    const [header, , signature] = token.split('.');
    const now = Math.floor(Date.now() / 1000);
    const payload = b64urlJson({ iss: idp.issuer, aud: 'byok-gateway', sub: 'mallory', roles: ['admin'], exp: now + 300 });
    expect(await codeOf(oidc.verify(`Bearer ${header}.${payload}.${signature}`))).toBe('invalid_token');
  });

  it('refuses a token signed by another key that claims the published kid', async () => {
    const attacker = await generateKeyPair('RS256');
    const token = await idp.sign({ roles: ['admin'] }, { key: attacker.privateKey });
    expect(await codeOf(oidc.verify(`Bearer ${token}`))).toBe('invalid_token');
  });

  it('refuses an hs256 token signed with another secret', async () => {
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({ sub: 'mallory', roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('byok-gateway')
      .setAudience('byok-gateway')
      .setExpirationTime(now + 300)
      .sign(new TextEncoder().encode(`${SECRET}-but-different`));
    expect(await codeOf(hs256.verify(`Bearer ${forged}`))).toBe('invalid_token');
  });

  it('never echoes the token in the error message', async () => {
    const token = await idp.sign({ aud: 'elsewhere' });
    const err = await oidc.verify(`Bearer ${token}`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AuthError);
    expect(String(err instanceof Error ? err.message : '')).not.toContain(token.slice(0, 20));
  });
});
