import type { JWTPayload, ProtectedHeaderParameters } from 'jose';
import { AuthError } from './auth.errors.js';

/**
 * Header `typ` values of an access token: plain `JWT` (most identity providers) and RFC 9068's
 * `at+jwt` (with or without the `application/` prefix, compared case-insensitively as RFC 7515
 * asks). Anything else (an ID token's or a `refresh+jwt`, say) was minted for another purpose.
 */
const ACCESS_TOKEN_TYPES = new Set(['jwt', 'at+jwt', 'application/jwt', 'application/at+jwt']);

/**
 * Keycloak marks its token kinds in a `typ` claim of the payload: `Bearer` for access tokens,
 * `ID`, `Refresh`, `Offline`, `Logout` for the others, all signed with the same realm key and
 * all carrying `typ: JWT` in the header. Only an access token may call the service.
 */
const ACCESS_TOKEN_CLAIM_TYPE = 'bearer';

/**
 * Refuses a verified token that is not an access token: a wrong header `typ`, or a Keycloak
 * payload `typ` other than `Bearer`. A token without either is accepted (many issuers set none).
 */
export function assertAccessTokenType(header: ProtectedHeaderParameters, payload: JWTPayload): void {
  if (header.typ !== undefined && !ACCESS_TOKEN_TYPES.has(header.typ.toLowerCase())) {
    throw new AuthError('invalid_token', 'The bearer token is not an access token (wrong "typ")');
  }
  const claimType = payload.typ;
  if (claimType !== undefined && (typeof claimType !== 'string' || claimType.toLowerCase() !== ACCESS_TOKEN_CLAIM_TYPE)) {
    throw new AuthError('invalid_token', 'The bearer token is not an access token (an ID or refresh token cannot call this service)');
  }
}

/**
 * Without a configured audience, the token must have been issued to the configured client: its
 * authorized party (`azp`, which Keycloak sets to the client that asked for the token) must be
 * that client id. Otherwise a token minted for any other application of the same realm would work.
 */
export function assertAuthorizedParty(payload: JWTPayload, clientId: string): void {
  if (payload.azp !== clientId) {
    throw new AuthError('invalid_token', 'The bearer token was not issued to this service\'s client ("azp")');
  }
}
