import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTVerifyGetKey, type JWTVerifyOptions, type JWTVerifyResult } from 'jose';
import { assertAccessTokenType, assertAuthorizedParty } from './access-token-checks.js';
import { assertCompactJws, extractBearer } from './bearer.js';
import { toAuthError } from './jose-error.mapper.js';
import { principalFromClaims, type Principal } from './principal.js';
import { VerifiedTokenCache, type VerifiedTokenCacheOptions } from './verified-token.cache.js';

/** Settings shared by both modes. */
interface CommonOptions {
  /** Claim holding the user id: `sub` normally, `email` for databases of the earlier system. */
  userIdClaim: string;
  /** Role (in `roles` or `realm_access.roles`) that makes a principal an administrator. */
  adminRole: string;
  /** Claim listing the caller's organizations (`AUTH_ORG_CLAIM`); unset = principals carry no `orgs`. */
  orgClaim?: string;
  /** Caches successful verifications (see `VerifiedTokenCache`); `false` turns it off. */
  cache?: VerifiedTokenCacheOptions | false;
}

/** Tokens issued by an OpenID Connect provider (e.g. Keycloak), checked against its JWKS. */
export interface OidcAuthenticatorOptions extends CommonOptions {
  mode: 'oidc';
  jwksUrl: string;
  issuer: string;
  /**
   * Expected `aud`. Keycloak's access tokens often carry only `account`; then set `clientId`
   * instead. With neither, any audience passes: development only (the config refuses it in
   * production), since a token minted for any client of the issuer would be accepted.
   */
  audience?: string;
  /**
   * The client the web page signs in as (`AUTH_OIDC_CLIENT_ID`). Without `audience`, the token's
   * `azp` (authorized party) must equal it.
   */
  clientId?: string;
  /** Accepted clock skew for `exp`/`nbf`. Default 30 s. */
  clockToleranceSeconds?: number;
}

/** Tokens signed with a shared secret: standalone and development mode (`npm run token`). */
export interface Hs256AuthenticatorOptions extends CommonOptions {
  mode: 'hs256';
  /** At least 32 characters; shorter secrets can be brute-forced offline from one token. */
  secret: string;
  issuer: string;
  audience: string;
}

export type AuthenticatorOptions = OidcAuthenticatorOptions | Hs256AuthenticatorOptions;

/** Verifies Authorization header values into principals. */
export interface Authenticator {
  /**
   * Resolves the principal for a `Bearer <jwt>` header value, or throws `AuthError`
   * (`missing_credentials`, `invalid_token`, `token_expired`; `auth_unavailable` when the
   * identity provider's key set cannot be fetched).
   */
  verify(authorizationHeader: string | undefined): Promise<Principal>;
  /**
   * Readies what the first verification would otherwise do on a caller's time: in OIDC mode it
   * fetches the identity provider's key set; in hs256 mode it imports the key and verifies one
   * token it signs itself (nothing is cached). Rejects when the key set cannot be fetched.
   * Optional, so a stand-in authenticator (tests, benchmarks) need not have one.
   */
  warmUp?(): Promise<void>;
}

// Explicit allow-lists: jose would otherwise accept any algorithm the key supports. Listing them
// refuses `alg: none` and stops an HS256 token "signed" with a public key (algorithm confusion).
const OIDC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'];
const HS256_ALGORITHMS = ['HS256'];

/** The shortest HS256 secret we accept, in characters. */
export const MIN_HS256_SECRET_LENGTH = 32;

/** Builds an authenticator for one of the two token sources. Throws on unusable settings. */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  if (options.userIdClaim === '') throw new Error('userIdClaim must not be empty');
  const { key, verifyOptions, warmUp } = options.mode === 'oidc' ? oidcSetup(options) : hs256Setup(options);
  const checkClaims = options.mode === 'oidc' ? oidcTokenChecks(options) : () => undefined;
  const cache = options.cache === false ? undefined : new VerifiedTokenCache(options.cache);
  const claimSettings = { userIdClaim: options.userIdClaim, adminRole: options.adminRole, ...(options.orgClaim === undefined ? {} : { orgClaim: options.orgClaim }) };

  async function verifyUncached(token: string): Promise<{ principal: Principal; exp: number | undefined }> {
    assertCompactJws(token);
    const { payload, protectedHeader } = await verifyToken(token, key, verifyOptions);
    checkClaims(protectedHeader, payload);
    return { principal: principalFromClaims(payload, claimSettings), exp: payload.exp };
  }

  return {
    async verify(authorizationHeader) {
      const token = extractBearer(authorizationHeader);
      const cached = cache?.get(token);
      if (cached !== undefined) return cached;
      const { principal, exp } = await verifyUncached(token);
      cache?.set(token, principal, exp);
      return principal;
    },
    async warmUp() {
      const token = await warmUp();
      if (token !== null) await verifyUncached(token);
    },
  };
}

/** How a mode verifies: its key, jose's options, and its warm-up (which may sign a token to verify). */
interface VerifySetup {
  key: JWTVerifyGetKey;
  verifyOptions: JWTVerifyOptions;
  warmUp(): Promise<string | null>;
}

async function verifyToken(token: string, key: JWTVerifyGetKey, verifyOptions: JWTVerifyOptions): Promise<JWTVerifyResult> {
  try {
    return await jwtVerify(token, key, verifyOptions);
  } catch (err) {
    throw toAuthError(err);
  }
}

function oidcSetup(options: OidcAuthenticatorOptions): VerifySetup {
  // jose caches the key set, refetches it when an unknown `kid` shows up, and rate-limits those
  // refetches (cooldown) so forged `kid`s cannot turn us into a traffic amplifier.
  const key = createRemoteJWKSet(new URL(options.jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 600_000 });
  const verifyOptions: JWTVerifyOptions = {
    algorithms: OIDC_ALGORITHMS,
    issuer: options.issuer,
    clockTolerance: options.clockToleranceSeconds ?? 30,
    requiredClaims: ['exp'],
  };
  if (options.audience !== undefined) verifyOptions.audience = options.audience;
  return {
    key,
    verifyOptions,
    async warmUp() {
      await key.reload();
      return null;
    },
  };
}

/**
 * What an identity provider's signature alone does not prove: that the token is an access token
 * (not an ID or refresh token of the same realm) and, without a configured audience, that it was
 * issued to our client rather than to any other application the issuer serves.
 */
function oidcTokenChecks(options: OidcAuthenticatorOptions): (header: JWTVerifyResult['protectedHeader'], payload: JWTVerifyResult['payload']) => void {
  const clientId = options.audience === undefined ? options.clientId : undefined;
  return (header, payload) => {
    assertAccessTokenType(header, payload);
    if (clientId !== undefined) assertAuthorizedParty(payload, clientId);
  };
}

/** The subject of the token an hs256 authenticator signs to warm itself up; it never leaves the process. */
const WARM_UP_SUBJECT = 'byok-warm-up';

function hs256Setup(options: Hs256AuthenticatorOptions): VerifySetup {
  if (options.secret.length < MIN_HS256_SECRET_LENGTH) {
    throw new Error(`The HS256 secret must be at least ${MIN_HS256_SECRET_LENGTH} characters long`);
  }
  const secret = new TextEncoder().encode(options.secret);
  // Imported once: given the raw bytes, jose imports them into WebCrypto on every verification.
  let imported: ReturnType<typeof crypto.subtle.importKey> | undefined;
  const key = () => (imported ??= crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']));
  return {
    key,
    verifyOptions: {
      algorithms: HS256_ALGORITHMS,
      issuer: options.issuer,
      audience: options.audience,
      clockTolerance: 5,
      requiredClaims: ['exp'],
    },
    async warmUp() {
      return new SignJWT({ [options.userIdClaim]: WARM_UP_SUBJECT })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setSubject(WARM_UP_SUBJECT)
        .setIssuedAt()
        .setExpirationTime('1 minute')
        .sign(await key());
    },
  };
}
