import { AuthError, type Authenticator, hashGatewayToken, looksLikeGatewayToken } from '@byok/auth';
import { bearerToken } from './bearer-token.js';
import type { GatewayTokenCache, KnownGatewayToken } from './gateway-token-cache.js';
import { requestedOrg } from './org-header.js';
import { createTokenHashMemo } from './token-hash-memo.js';

/** Who is calling the proxy, and how they proved it. */
export interface ProxyCaller {
  userId: string;
  via: 'jwt' | 'gateway_token';
  /** The gateway token's row id (never the token), to record its use after the response. */
  tokenId?: string;
  /**
   * The organization the request acts for (lower-case UUID): the `x-byok-org` header, or the org
   * the gateway token was created for. Membership is checked with the routes (404 `org_not_found`).
   */
  orgId?: string;
}

export interface CallerResolverDeps {
  authenticator: Authenticator;
  tokens: GatewayTokenCache;
  now?: () => number;
}

/** Resolves the caller from the `Authorization` header and the `x-byok-org` header (`ORG_HEADER`). */
export interface CallerResolver {
  resolve(authorization: string | undefined, orgHeader?: string | string[]): Promise<ProxyCaller>;
  /**
   * The caller from memory alone, synchronously: a gateway token seen before whose fresh lookup
   * is cached and valid, with no `x-byok-org` header. Undefined for everything else (a first
   * use, a JWT, an org header, a refusal): `resolve` answers those. The hot path's way to skip a
   * promise, the shape test and the hash per request.
   */
  fromMemory(authorization: string | undefined, orgHeader: string | string[] | undefined): ProxyCaller | undefined;
}

/**
 * Accepts a JWT (the platform's sign-in) or a personal gateway token (`byok_…`, for OpenAI
 * clients configured with an API key). A gateway token is recognised by its shape and checksum,
 * looked up by SHA-256 through a short-lived cache, and refused when unknown, revoked or expired;
 * anything else goes to the JWT authenticator, which refuses what is not a signed JWT. The caller
 * acts for an organization named by `x-byok-org` or by its token (see `requestedOrg`); the header
 * is read only after the credential is accepted, so an anonymous client learns nothing from it.
 */
export function createCallerResolver(deps: CallerResolverDeps): CallerResolver {
  const now = deps.now ?? Date.now;
  const hashes = createTokenHashMemo();
  const usable = (known: KnownGatewayToken): boolean => !known.revoked && (known.expiresAtMs === null || known.expiresAtMs > now());
  return {
    async resolve(authorization, orgHeader) {
      const token = bearerToken(authorization);
      if (authorization !== undefined && token !== undefined && looksLikeGatewayToken(token)) {
        const tokenHash = hashGatewayToken(token);
        const known = await deps.tokens.get(tokenHash);
        if (known === null) throw new AuthError('invalid_token', 'The gateway token is not known');
        if (known.revoked) throw new AuthError('invalid_token', 'The gateway token was revoked');
        if (!usable(known)) throw new AuthError('token_expired', 'The gateway token has expired');
        hashes.remember(authorization, tokenHash);
        return withOrg({ userId: known.userId, via: 'gateway_token', tokenId: known.id }, requestedOrg(orgHeader, known.orgId));
      }
      const principal = await deps.authenticator.verify(authorization);
      return withOrg({ userId: principal.userId, via: 'jwt' }, requestedOrg(orgHeader, null));
    },
    fromMemory(authorization, orgHeader) {
      if (authorization === undefined || orgHeader !== undefined) return undefined;
      const tokenHash = hashes.get(authorization);
      const known = tokenHash === undefined ? undefined : deps.tokens.peek(tokenHash);
      if (known === undefined || known === null || !usable(known)) return undefined;
      return withOrg({ userId: known.userId, via: 'gateway_token', tokenId: known.id }, known.orgId ?? undefined);
    },
  };
}

// A personal caller has no `orgId` property at all, so its object keeps the shape it always had.
function withOrg(caller: ProxyCaller, orgId: string | undefined): ProxyCaller {
  if (orgId !== undefined) caller.orgId = orgId;
  return caller;
}
