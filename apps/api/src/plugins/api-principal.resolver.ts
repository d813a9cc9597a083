import { AuthError, looksLikeGatewayToken, type Authenticator } from '@byok/auth';
import type { PrincipalResolver } from '@byok/http';

const BEARER = /^bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * The API's callers sign in with a JWT. A well-formed gateway token (`byok_…`) is a real
 * credential for the proxy's routes only; saying so beats "unknown or revoked", which would send
 * its owner looking for a revocation that never happened.
 */
export function apiPrincipalResolver(authenticator: Authenticator): PrincipalResolver {
  return (request) => {
    const header = request.headers.authorization;
    const token = header === undefined ? undefined : BEARER.exec(header)?.[1];
    if (token !== undefined && looksLikeGatewayToken(token)) {
      return Promise.reject(new AuthError('invalid_token', 'Gateway tokens (byok_…) work with the OpenAI-compatible proxy routes only; this API route needs a sign-in token (JWT)'));
    }
    return authenticator.verify(header);
  };
}
