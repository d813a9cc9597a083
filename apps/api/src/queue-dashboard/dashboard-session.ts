import type { FastifyRequest } from 'fastify';

/** The job dashboard's cookie: set by the server only, so page scripts can never read it. */
export const DASHBOARD_COOKIE = 'byok_dashboard';
export const DASHBOARD_PATH = '/admin/queues';
/** A dashboard session ends with its token, and after a working day at the latest. */
const MAX_SESSION_SECONDS = 8 * 60 * 60;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The token in the dashboard cookie, if the request carries one. */
export function dashboardCookieToken(request: FastifyRequest): string | undefined {
  const match = new RegExp(`(?:^|;\\s*)${DASHBOARD_COOKIE}=([^;]+)`).exec(request.headers.cookie ?? '')?.[1];
  if (match === undefined) return undefined;
  try {
    return decodeURIComponent(match);
  } catch {
    return undefined;
  }
}

/**
 * `Set-Cookie` for a dashboard session holding `token`: HttpOnly (no script reads it), Secure
 * over https, SameSite=Strict, scoped to the dashboard, and never outliving the token's `exp`.
 */
export function dashboardSessionCookie(token: string, options: { secure: boolean; nowMs?: number }): string {
  const expSeconds = tokenExpiry(token);
  const nowSeconds = Math.floor((options.nowMs ?? Date.now()) / 1000);
  const maxAge = Math.max(0, Math.min(MAX_SESSION_SECONDS, expSeconds === undefined ? MAX_SESSION_SECONDS : expSeconds - nowSeconds));
  return cookie(encodeURIComponent(token), maxAge, options.secure);
}

/** `Set-Cookie` that removes the dashboard session. */
export function clearDashboardSessionCookie(options: { secure: boolean }): string {
  return cookie('', 0, options.secure);
}

function cookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return `${DASHBOARD_COOKIE}=${value}; Path=${DASHBOARD_PATH}; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}

/** `exp` of an already verified JWT, read without verifying again. */
function tokenExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const exp = typeof claims === 'object' && claims !== null ? (claims as { exp?: unknown }).exp : undefined;
    return typeof exp === 'number' ? exp : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Cross-site request forgery guard for requests authenticated by the cookie: a state-changing
 * request must come from a page of this service, as its `Origin` (sent by every browser on
 * non-GET fetches) proves. SameSite=Strict alone fails with a browser that ignores it or a
 * sibling subdomain under an attacker's control. Allowed origins: PUBLIC_URL's and the one the
 * request itself was addressed to.
 */
export function crossSiteCookieRequest(request: FastifyRequest, publicOrigin: string): boolean {
  if (SAFE_METHODS.has(request.method)) return false;
  const origin = request.headers.origin;
  if (origin === undefined || origin === 'null') return true;
  return origin !== publicOrigin && origin !== `${request.protocol}://${request.host}`;
}
