import { isIP } from 'node:net';
import { forbiddenAddressReason } from './outbound-address.js';

/** Longest webhook URL accepted, as given and as stored (the column's width). */
export const MAX_WEBHOOK_URL_LENGTH = 2048;

export interface WebhookUrlRules {
  /** NODE_ENV=production: only https. */
  production: boolean;
  /** WEBHOOK_ALLOW_PRIVATE. */
  allowPrivate: boolean;
}

/**
 * Checks a webhook URL when it is saved, so obvious mistakes get a clear 400 instead of a delivery
 * log full of refusals. Returns the normalised URL, or the reason it is refused. This is a
 * courtesy: a name can resolve to anything later, so the check that counts is made on the address
 * actually connected to (see `createOutboundAgent`).
 */
export function checkWebhookUrl(raw: string, rules: WebhookUrlRules): { url: string } | { problem: string } {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) return { problem: `is longer than ${MAX_WEBHOOK_URL_LENGTH} characters` };
  if (!URL.canParse(raw)) return { problem: 'is not an absolute URL' };
  const url = new URL(raw);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { problem: 'must use https (or http outside production)' };
  if (rules.production && url.protocol !== 'https:') return { problem: 'must use https' };
  // Credentials in a URL end up in proxies' and receivers' logs; a receiver should check the signature instead.
  if (url.username !== '' || url.password !== '') return { problem: 'must not contain a user name or password' };
  if (url.hash !== '') return { problem: 'must not contain a fragment (#…)' };
  // What is stored is the normalised form, which percent-encodes (one `é` becomes six characters).
  if (url.href.length > MAX_WEBHOOK_URL_LENGTH) {
    return { problem: `is ${url.href.length} characters once normalised (non-ASCII characters and spaces percent-encoded), more than the ${MAX_WEBHOOK_URL_LENGTH} stored` };
  }
  if (!rules.allowPrivate) {
    const problem = privateHostProblem(url.hostname);
    if (problem) return { problem };
  }
  return { url: url.href };
}

function privateHostProblem(hostname: string): string | null {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIP(host)) {
    const reason = forbiddenAddressReason(host);
    return reason ? `points at a non-public address (${reason})` : null;
  }
  // A name may end in the root's dot (`localhost.` is the same name to the resolver).
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (name === 'localhost' || name.endsWith('.localhost')) return 'points at this machine (localhost)';
  return null;
}
