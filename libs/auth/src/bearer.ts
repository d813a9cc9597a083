import { AuthError } from './auth.errors.js';
import { GATEWAY_TOKEN_PREFIX } from './gateway-token.js';

/** Well above any real access token; stops us from parsing megabytes of attacker input. */
const MAX_TOKEN_LENGTH = 8192;

// The auth scheme is case-insensitive (RFC 9110 §11.1); the credential is one token68 value.
const BEARER = /^bearer[ \t]+([^\s]+)[ \t]*$/i;
// A compact JWS: three base64url segments. The signature segment may be empty so that an
// `alg: none` token reaches jose and is refused by the algorithm allow-list, not by accident here.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Extracts the bearer credential from an Authorization header value.
 * Throws `missing_credentials` when there is no header and `invalid_token` for any other scheme.
 */
export function extractBearer(header: string | undefined): string {
  if (header === undefined || header.trim() === '') {
    throw new AuthError('missing_credentials', 'An Authorization: Bearer <token> header is required');
  }
  const match = BEARER.exec(header);
  const token = match?.[1];
  if (token === undefined) {
    throw new AuthError('invalid_token', 'The Authorization header must use the Bearer scheme');
  }
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new AuthError('invalid_token', 'The bearer token is too long');
  }
  return token;
}

/**
 * Refuses anything that is not shaped like a signed JWT before jose parses it. This is where the
 * earlier system's `Bearer <user id>` lands: a bare user id proves nothing and is never accepted.
 */
export function assertCompactJws(token: string): void {
  // Callers look up well-formed gateway tokens before calling the JWT verifier, so a `byok_` value
  // that reaches this point is one no lookup knows (mistyped, made up, or revoked and forgotten).
  if (token.startsWith(GATEWAY_TOKEN_PREFIX)) {
    throw new AuthError('invalid_token', 'The gateway token is unknown or revoked');
  }
  if (!COMPACT_JWS.test(token)) {
    throw new AuthError('invalid_token', 'The bearer token is not a signed JWT');
  }
}
