import { errors } from 'jose';
import { AuthError } from './auth.errors.js';

/**
 * Turns whatever jose threw into an `AuthError` with a safe, general message. jose's own messages
 * can quote claim values, so they are kept only as the `cause` for server-side logs.
 */
export function toAuthError(err: unknown): AuthError {
  if (err instanceof AuthError) return err;
  if (err instanceof errors.JWTExpired) {
    return new AuthError('token_expired', 'The bearer token has expired', { cause: err });
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    return new AuthError('invalid_token', claimMessage(err.claim, err.reason), { cause: err });
  }
  if (err instanceof errors.JOSEAlgNotAllowed) {
    return new AuthError('invalid_token', 'The bearer token uses a signing algorithm that is not accepted', { cause: err });
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return new AuthError('invalid_token', 'The bearer token signature is not valid', { cause: err });
  }
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) {
    return new AuthError('invalid_token', 'The bearer token was not signed by a known key', { cause: err });
  }
  // The key set could not be fetched or parsed: the identity provider is unreachable or
  // misconfigured. That is not the caller's fault, so it must not look like a bad token.
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid || isFetchFailure(err)) {
    return new AuthError('auth_unavailable', 'The identity provider could not be reached to verify the token', { cause: err });
  }
  return new AuthError('invalid_token', 'The bearer token is malformed', { cause: err });
}

function claimMessage(claim: string, reason: string): string {
  if (claim === 'nbf') return 'The bearer token is not valid yet';
  if (claim === 'iat') return 'The bearer token has an invalid issue time';
  if (claim === 'iss') return 'The bearer token was issued by an issuer this service does not accept';
  if (claim === 'aud') return 'The bearer token is not meant for this service';
  if (reason === 'missing') return `The bearer token lacks the required "${claim}" claim`;
  return 'The bearer token has invalid claims';
}

// jose's remote key set rejects with a generic JOSEError for a non-200 or non-JSON response (it is
// the only place jose throws the base class) and passes through undici's `TypeError('fetch
// failed')` when the endpoint is unreachable.
function isFetchFailure(err: unknown): boolean {
  if (err instanceof errors.JOSEError) return err.code === 'ERR_JOSE_GENERIC';
  return err instanceof TypeError && err.message === 'fetch failed';
}
