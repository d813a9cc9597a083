import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { startOidcIssuer, type OidcIssuerFixture } from '../test/oidc-issuer.fixture.js';
import { createAuthenticator, type Authenticator } from './authenticator.js';

// Issue #12.5: "OIDC without AUTH_AUDIENCE accepts tokens minted for any client, including ID
// tokens and `typ: refresh+jwt` tokens".

let idp: OidcIssuerFixture;
let byClient: Authenticator;
let byAudience: Authenticator;

beforeAll(async () => {
  idp = await startOidcIssuer();
  const common = { mode: 'oidc', jwksUrl: idp.jwksUrl, issuer: idp.issuer, userIdClaim: 'sub', adminRole: 'admin', cache: false } as const;
  byClient = createAuthenticator({ ...common, clientId: 'byok-web' });
  byAudience = createAuthenticator({ ...common, audience: 'byok-gateway', clientId: 'byok-web' });
});

afterAll(() => idp.close());

/** A token of the fixture's issuer and key with the given header `typ`. */
async function withHeaderType(typ: string, claims: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: idp.issuer, aud: 'byok-gateway', azp: 'byok-web', sub: 'user-1', iat: now, exp: now + 300, ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: idp.kid, typ })
    .sign(idp.privateKey);
}

describe('OIDC without an audience: the token must be issued to the configured client (azp)', () => {
  it('accepts a Keycloak-style access token (aud "account") issued to the client', async () => {
    const token = await idp.sign({ aud: 'account', azp: 'byok-web', typ: 'Bearer' });
    await expect(byClient.verify(`Bearer ${token}`)).resolves.toMatchObject({ userId: 'user-1' });
  });

  it('refuses a token minted for another client of the same issuer', async () => {
    const token = await idp.sign({ aud: 'account', azp: 'some-other-app' });
    await expect(byClient.verify(`Bearer ${token}`)).rejects.toMatchObject({ code: 'invalid_token', status: 401, message: expect.stringMatching(/azp/) });
  });

  it('refuses a token without azp', async () => {
    const token = await idp.sign({ aud: 'account' });
    await expect(byClient.verify(`Bearer ${token}`)).rejects.toMatchObject({ code: 'invalid_token' });
  });

  it('with an audience configured, checks the audience rather than azp', async () => {
    await expect(byAudience.verify(`Bearer ${await idp.sign({ azp: 'some-other-app' })}`)).resolves.toMatchObject({ userId: 'user-1' });
    await expect(byAudience.verify(`Bearer ${await idp.sign({ aud: 'account', azp: 'byok-web' })}`)).rejects.toMatchObject({ code: 'invalid_token', message: expect.stringMatching(/not meant for this service/) });
  });
});

describe('OIDC: only access tokens call the service', () => {
  it.each(['JWT', 'jwt', 'at+jwt', 'application/at+jwt'])('accepts header typ %j', async (typ) => {
    await expect(byClient.verify(`Bearer ${await withHeaderType(typ)}`)).resolves.toMatchObject({ userId: 'user-1' });
  });

  it.each(['refresh+jwt', 'id+jwt', 'logout+jwt', 'JOSE'])('refuses header typ %j', async (typ) => {
    await expect(byClient.verify(`Bearer ${await withHeaderType(typ)}`)).rejects.toMatchObject({ code: 'invalid_token', message: expect.stringMatching(/not an access token/) });
    await expect(byAudience.verify(`Bearer ${await withHeaderType(typ)}`)).rejects.toMatchObject({ code: 'invalid_token' });
  });

  it.each(['ID', 'Refresh', 'Offline', 'Logout'])('refuses a Keycloak %s token (payload typ), even when its azp is the client', async (kind) => {
    const token = await idp.sign({ aud: 'byok-web', azp: 'byok-web', typ: kind });
    await expect(byClient.verify(`Bearer ${token}`)).rejects.toMatchObject({ code: 'invalid_token', message: expect.stringMatching(/ID or refresh token/) });
  });

  it('refuses a payload typ that is not a string', async () => {
    await expect(byClient.verify(`Bearer ${await idp.sign({ typ: 7 })}`)).rejects.toMatchObject({ code: 'invalid_token' });
  });
});
