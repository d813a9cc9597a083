import { randomBytes } from 'node:crypto';
import type { Principal } from '@byok/auth';
import type { PrincipalResolver } from '@byok/http';

/**
 * The caller of a fresh API's warm-up requests (`app.inject` before the port is open), so they
 * take the routes' whole path, sign-in included, whatever signs the real callers in (an identity
 * provider's tokens cannot be made here). Its credential is a random bearer value that exists only
 * in this process's memory until `end()`, which the warm-up calls before the server listens: no
 * outside request can ever present it. Its requests are not logged.
 */
export interface WarmUpCaller {
  /** The `authorization` header of warm-up requests; empty after `end()`. */
  readonly authorization: string;
  /** `resolve`, except that the warm-up's header signs in as `userId` until `end()`. */
  admitting(resolve: PrincipalResolver): PrincipalResolver;
  /** Whether a request carries the warm-up's header (always false after `end()`). */
  isWarmUpRequest(request: { headers: { authorization?: string | undefined } }): boolean;
  end(): void;
}

export function createWarmUpCaller(userId: string): WarmUpCaller {
  let authorization = `Bearer warm-up.${randomBytes(32).toString('base64url')}`;
  const principal: Principal = { userId, subject: userId, roles: [], isAdmin: false, authMethod: 'jwt' };
  const isWarmUpRequest = (request: { headers: { authorization?: string | undefined } }) => authorization !== '' && request.headers.authorization === authorization;
  return {
    get authorization() {
      return authorization;
    },
    admitting: (resolve) => (request) => (isWarmUpRequest(request) ? Promise.resolve(principal) : resolve(request)),
    isWarmUpRequest,
    end() {
      authorization = '';
    },
  };
}
