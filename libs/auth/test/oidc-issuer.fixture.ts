import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';

/** A fake OpenID provider for tests: a real HTTP server publishing one RSA key as a JWKS. */
export interface OidcIssuerFixture {
  issuer: string;
  jwksUrl: string;
  kid: string;
  privateKey: CryptoKey;
  /** The public key as a JWK, for algorithm-confusion tests. */
  publicJwk: Record<string, unknown>;
  /** Signs an RS256 token with the published key; `claims` override the defaults. */
  sign(claims: JWTPayload, options?: { kid?: string; key?: CryptoKey; alg?: string }): Promise<string>;
  /** How many times the JWKS was fetched. */
  fetchCount(): number;
  close(): Promise<void>;
}

export async function startOidcIssuer(): Promise<OidcIssuerFixture> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = 'test-key-1';
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  let fetches = 0;
  const server: Server = createServer((req, res) => {
    if (req.url === '/jwks') {
      fetches += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [publicJwk] }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  const issuer = `${base}/realms/test`;

  return {
    issuer,
    jwksUrl: `${base}/jwks`,
    kid,
    privateKey,
    publicJwk,
    async sign(claims, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iss: issuer, aud: 'byok-gateway', sub: 'user-1', iat: now, exp: now + 300, ...claims })
        .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: options.kid ?? kid, typ: 'JWT' })
        .sign(options.key ?? privateKey);
    },
    fetchCount: () => fetches,
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

/** base64url of a JSON value, for hand-crafted tokens. */
export function b64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
