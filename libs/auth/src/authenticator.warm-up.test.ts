import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startOidcIssuer } from '../test/oidc-issuer.fixture.js';
import { createAuthenticator } from './authenticator.js';
import { mintDevToken } from './dev-token.js';

const SECRET = 'warm-up-test-secret-0123456789abcdef';
const HS256 = { mode: 'hs256', secret: SECRET, issuer: 'byok-gateway', audience: 'byok-gateway', adminRole: 'admin' } as const;

describe('authenticator warm-up', () => {
  it('hs256: verifies a token of its own, for any user id claim, and real tokens verify after it', async () => {
    for (const userIdClaim of ['sub', 'email']) {
      const auth = createAuthenticator({ ...HS256, userIdClaim });
      await expect(auth.warmUp?.()).resolves.toBeUndefined();
      const token = await mintDevToken({ secret: SECRET, issuer: 'byok-gateway', audience: 'byok-gateway', userIdClaim, userId: 'alice@example.test', admin: false, ttlSeconds: 60 });
      await expect(auth.verify(`Bearer ${token}`)).resolves.toMatchObject({ userId: 'alice@example.test' });
    }
  });

  it('oidc: fetches the key set once before any request, so a token verifies while the identity provider is away', async () => {
    const idp = await startOidcIssuer();
    const auth = createAuthenticator({ mode: 'oidc', jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience: 'byok-gateway', userIdClaim: 'sub', adminRole: 'admin' });
    const token = await idp.sign({ sub: 'alice' });
    await auth.warmUp?.();
    await idp.close();
    await expect(auth.verify(`Bearer ${token}`)).resolves.toMatchObject({ userId: 'alice' });
  });

  it('oidc: rejects when the key set cannot be fetched', async () => {
    const refusing = createServer((_req, res) => res.writeHead(500).end());
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    const { port } = refusing.address() as AddressInfo;
    const auth = createAuthenticator({ mode: 'oidc', jwksUrl: `http://127.0.0.1:${port}/jwks`, issuer: 'http://idp.test', audience: 'byok-gateway', userIdClaim: 'sub', adminRole: 'admin' });
    await expect(auth.warmUp?.()).rejects.toThrow();
    await new Promise<void>((resolve) => refusing.close(() => resolve()));
  });
});
