import type { AuthScheme } from './types.js';

/**
 * The request headers that present `apiKey` under `scheme`. The result holds the key, so it must
 * never be logged; callers pass it straight to the HTTP client.
 */
export function authHeaders(scheme: AuthScheme, apiKey: string): Record<string, string> {
  if (scheme.kind === 'bearer') return { authorization: `Bearer ${apiKey}` };
  return { ...scheme.extraHeaders, [scheme.header.toLowerCase()]: apiKey };
}
