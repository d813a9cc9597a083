import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOidcIssuer, type OidcIssuerFixture } from '../test/oidc-issuer.fixture.js';
import { AuthError } from './auth.errors.js';
import { createAuthenticator, type Authenticator } from './authenticator.js';

let idp: OidcIssuerFixture;
let auth: Authenticator;

beforeAll(async () => {
  idp = await startOidcIssuer();
  auth = createAuthenticator({
    mode: 'oidc',
    jwksUrl: idp.jwksUrl,
    issuer: idp.issuer,
    audience: 'byok-gateway',
    userIdClaim: 'sub',
    adminRole: 'byok-admin',
    clockToleranceSeconds: 0,
  });
});

afterAll(async () => {
  await idp.close();
});

async function rejection(promise: Promise<unknown>): Promise<AuthError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AuthError);
  if (!(err instanceof AuthError)) throw new Error('unreachable');
  return err;
}

describe('OIDC authenticator: accepted tokens', () => {
  it('verifies an RS256 token from the JWKS and builds the principal', async () => {
    const token = await idp.sign({ sub: 'alice', roles: ['reader'] });
    const principal = await auth.verify(`Bearer ${token}`);
    expect(principal).toEqual({ userId: 'alice', roles: ['reader'], isAdmin: false, subject: 'alice', authMethod: 'jwt' });
  });

  it('reads Keycloak realm_access roles and detects the admin role', async () => {
    const token = await idp.sign({ sub: 'root', realm_access: { roles: ['offline_access', 'byok-admin'] } });
    const principal = await auth.verify(`Bearer ${token}`);
    expect(principal.roles).toEqual(['offline_access', 'byok-admin']);
    expect(principal.isAdmin).toBe(true);
  });

  it('merges roles from both claims and ignores non-strings', async () => {
    const token = await idp.sign({ sub: 'bob', roles: ['a', 7, 'byok-admin'], realm_access: { roles: ['a', 'b', null] } });
    const principal = await auth.verify(`Bearer ${token}`);
    expect(principal.roles).toEqual(['a', 'byok-admin', 'b']);
    expect(principal.isAdmin).toBe(true);
  });

  it('has no roles and is not admin when the token has none', async () => {
    const principal = await auth.verify(`Bearer ${await idp.sign({ sub: 'carol' })}`);
    expect(principal.roles).toEqual([]);
    expect(principal.isAdmin).toBe(false);
  });

  it('takes the user id from the email claim when configured (earlier system databases)', async () => {
    const byEmail = createAuthenticator({
      mode: 'oidc',
      jwksUrl: idp.jwksUrl,
      issuer: idp.issuer,
      userIdClaim: 'email',
      adminRole: 'byok-admin',
    });
    const token = await idp.sign({ sub: '7f1c-uuid', email: 'dana@example.com' });
    const principal = await byEmail.verify(`Bearer ${token}`);
    expect(principal.userId).toBe('dana@example.com');
    expect(principal.subject).toBe('7f1c-uuid');
  });

  it('accepts any audience when none is configured', async () => {
    const anyAudience = createAuthenticator({ mode: 'oidc', jwksUrl: idp.jwksUrl, issuer: idp.issuer, userIdClaim: 'sub', adminRole: 'x' });
    const token = await idp.sign({ aud: 'account' });
    await expect(anyAudience.verify(`Bearer ${token}`)).resolves.toMatchObject({ userId: 'user-1' });
  });

  it('accepts the scheme name in any case', async () => {
    const token = await idp.sign({ sub: 'erin' });
    await expect(auth.verify(`bearer ${token}`)).resolves.toMatchObject({ userId: 'erin' });
  });
});

describe('OIDC authenticator: refused tokens', () => {
  it('refuses a wrong issuer', async () => {
    const err = await rejection(auth.verify(`Bearer ${await idp.sign({ iss: 'https://evil.example/realms/test' })}`));
    expect(err.code).toBe('invalid_token');
    expect(err.status).toBe(401);
    expect(err.message).toMatch(/issuer/);
  });

  it('refuses a wrong audience', async () => {
    const err = await rejection(auth.verify(`Bearer ${await idp.sign({ aud: 'some-other-api' })}`));
    expect(err.code).toBe('invalid_token');
    expect(err.message).toMatch(/not meant for this service/);
  });

  it('refuses an expired token with token_expired', async () => {
    const now = Math.floor(Date.now() / 1000);
    const err = await rejection(auth.verify(`Bearer ${await idp.sign({ iat: now - 600, exp: now - 60 })}`));
    expect(err.code).toBe('token_expired');
    expect(err.status).toBe(401);
  });

  it('refuses a token that is not valid yet', async () => {
    const now = Math.floor(Date.now() / 1000);
    const err = await rejection(auth.verify(`Bearer ${await idp.sign({ nbf: now + 600 })}`));
    expect(err.code).toBe('invalid_token');
    expect(err.message).toMatch(/not valid yet/);
  });

  it('refuses a token without exp', async () => {
    const err = await rejection(auth.verify(`Bearer ${await idp.sign({ exp: undefined })}`));
    expect(err.code).toBe('invalid_token');
    expect(err.message).toMatch(/"exp"/);
  });

  it('refuses a token without the user id claim, or with an empty one', async () => {
    expect((await rejection(auth.verify(`Bearer ${await idp.sign({ sub: undefined })}`))).code).toBe('invalid_token');
    expect((await rejection(auth.verify(`Bearer ${await idp.sign({ sub: '' })}`))).code).toBe('invalid_token');
    expect((await rejection(auth.verify(`Bearer ${await idp.sign({ sub: '   ' })}`))).message).toMatch(/does not name a user/);
  });

  it('refuses a user id longer than the user_id column', async () => {
    const err = await rejection(auth.verify(`Bearer ${await idp.sign({ sub: 'u'.repeat(256) })}`));
    expect(err.code).toBe('invalid_token');
  });

  it('refuses a token whose kid is not in the key set', async () => {
    const err = await rejection(auth.verify(`Bearer ${await idp.sign({}, { kid: 'unknown-kid' })}`));
    expect(err.code).toBe('invalid_token');
    expect(err.message).toMatch(/known key/);
  });

  it('reports an unreachable identity provider as auth_unavailable (503), not as a bad token', async () => {
    const down = createAuthenticator({
      mode: 'oidc',
      jwksUrl: 'http://127.0.0.1:1/jwks',
      issuer: idp.issuer,
      userIdClaim: 'sub',
      adminRole: 'x',
    });
    const err = await rejection(down.verify(`Bearer ${await idp.sign({})}`));
    expect(err.code).toBe('auth_unavailable');
    expect(err.status).toBe(503);
  });
});

describe('OIDC authenticator: key set caching', () => {
  it('fetches the JWKS once for many verifications', async () => {
    const fresh = createAuthenticator({ mode: 'oidc', jwksUrl: idp.jwksUrl, issuer: idp.issuer, userIdClaim: 'sub', adminRole: 'x', cache: false });
    const before = idp.fetchCount();
    for (let i = 0; i < 5; i += 1) await fresh.verify(`Bearer ${await idp.sign({ sub: `u${i}` })}`);
    expect(idp.fetchCount() - before).toBe(1);
  });
});
