import { AppError } from '@byok/http';
import type { PlatformFallback } from '@byok/routing';

/** The request header that keeps one request off the platform's keys. */
export const FALLBACK_HEADER = 'x-byok-fallback';

/**
 * `x-byok-fallback: never` keeps this request off the platform's keys whatever the user's
 * setting; `allow` (or no header) leaves the user's setting in force: a header can only narrow
 * it, so a token holder cannot spend credits the user chose never to spend. Anything else is 400.
 */
export function platformFallbackOverride(headers: Record<string, string | string[] | undefined>): PlatformFallback | undefined {
  const value = headers[FALLBACK_HEADER];
  if (value === undefined) return undefined;
  const text = (Array.isArray(value) ? value.join(',') : value).trim().toLowerCase();
  if (text === 'never') return 'never';
  if (text === 'allow' || text === '') return undefined;
  throw new AppError('validation_failed', `${FALLBACK_HEADER} must be "never" or "allow"`, { details: [{ path: `headers/${FALLBACK_HEADER}`, message: 'must be "never" or "allow"' }] });
}
