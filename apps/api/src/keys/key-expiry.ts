import { AppError } from '@byok/http';

/**
 * When a key's text stops working, as its owner sets it (`expires_at`), for the `key_expiring`
 * reminders 14, 7 and 1 days before. The schema has checked the RFC 3339 form; a set expiry must
 * also lie ahead (a date already past reminds of nothing) and stay within four-digit years. null
 * clears it. A 400 names `path`.
 */
export function parseKeyExpiry(value: string | null, path: string, now = Date.now()): Date | null {
  if (value === null) return null;
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw refusal(path, 'is not a date-time');
  if (at.getTime() <= now) throw refusal(path, 'must be in the future (null clears it)');
  // RFC 3339 has four-digit years: a later instant would be listed back as `+010000-…`, which no
  // client could send again.
  if (at.getUTCFullYear() > 9999) throw refusal(path, 'must be before the year 10000');
  return at;
}

function refusal(path: string, message: string): AppError {
  return new AppError('validation_failed', `${path}: ${message}`, { details: [{ path, message }] });
}
