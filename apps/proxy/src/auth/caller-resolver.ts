import { AuthError, type Authenticator, hashGatewayToken, looksLikeGatewayToken } from '@byok/auth';
import { bearerToken } from './bearer-token.js';
import type { GatewayTokenCache } from './gateway-token-cache.js';

/** Who is calling the proxy, and how they proved it. */
export interface ProxyCaller {
  userId: string;
  via: 'jwt' | 'gateway_token';
  /** The gateway token's row id (never the token), to record its use after the response. */
  tokenId?: string;
}

export interface CallerResolverDeps {
  authenticator: Authenticator;
  tokens: GatewayTokenCache;
  now?: () => number;
}

export type CallerResolver = (authorization: string | undefined) => Promise<ProxyCaller>;

/**
 * Accepts a JWT (the platform's sign-in) or a personal gateway token (`byok_…`, for OpenAI
 * clients configured with an API key). A gateway token is recognised by its shape and checksum,
 * looked up by SHA-256 through a short-lived cache, and refused when unknown, revoked or expired;
 * anything else goes to the JWT authenticator, which refuses what is not a signed JWT.
 */
export function createCallerResolver(deps: CallerResolverDeps): CallerResolver {
  const now = deps.now ?? Date.now;
  return async (authorization) => {
    const token = bearerToken(authorization);
    if (token !== undefined && looksLikeGatewayToken(token)) {
      const known = await deps.tokens.get(hashGatewayToken(token));
      if (known === null) throw new AuthError('invalid_token', 'The gateway token is not known');
      if (known.revoked) throw new AuthError('invalid_token', 'The gateway token was revoked');
      if (known.expiresAtMs !== null && known.expiresAtMs <= now()) throw new AuthError('token_expired', 'The gateway token has expired');
      return { userId: known.userId, via: 'gateway_token', tokenId: known.id };
    }
    const principal = await deps.authenticator.verify(authorization);
    return { userId: principal.userId, via: 'jwt' };
  };
}
