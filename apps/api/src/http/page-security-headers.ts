import type { FastifyReply } from 'fastify';
import type { Config } from '@byok/config';

/**
 * The Content-Security-Policy of the HTML pages the API serves (the web page, the job dashboard
 * and its sign-in hint): everything from this origin only, never framed. The page talks only to
 * this origin, except for the OIDC token exchange, which goes from the browser to the issuer.
 * `dashboard` loosens two things for the job dashboard's UI (bull-board): it sets style attributes
 * (inline styles) and resolves its assets against a `<base href>` (base-uri 'self').
 */
export function pageContentSecurityPolicy(config: Config, options: { dashboard?: boolean } = {}): string {
  const dashboard = options.dashboard === true;
  const connect = ["'self'"];
  if (config.auth.mode === 'oidc' && URL.canParse(config.auth.issuer)) connect.push(new URL(config.auth.issuer).origin);
  return [
    "default-src 'self'",
    "script-src 'self'",
    dashboard ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${connect.join(' ')}`,
    "frame-ancestors 'none'",
    dashboard ? "base-uri 'self'" : "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
  ].join('; ');
}

/** The headers every HTML page of the API carries, beside the nosniff/HSTS every response has. */
export function setPageSecurityHeaders(reply: FastifyReply, csp: string): FastifyReply {
  return reply.header('content-security-policy', csp).header('referrer-policy', 'no-referrer').header('x-frame-options', 'DENY').header('cross-origin-opener-policy', 'same-origin');
}
