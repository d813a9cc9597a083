import { ORG_OWNER_PREFIX } from '@byok/auth';
import { AppError } from '@byok/http';

// Lone surrogates become U+FFFD in Postgres (two ids would become one), NUL cannot be stored.
const LONE_SURROGATE = /\p{Cs}/u;
const unstorable = (text: string) => LONE_SURROGATE.test(text) || text.includes('\u0000');
const CONTROL = /\p{Cc}/u;

function invalid(path: string, message: string): AppError {
  return new AppError('validation_failed', `${path}: ${message}`, { details: [{ path, message }] });
}

/**
 * Refuses a user id no signed-in user can have: blank, unstorable text (a lone surrogate or NUL,
 * which the authenticator refuses in tokens too), or `org:…`, the owner id of organizations' keys.
 */
export function requireMemberUserId(userId: string, path: string): void {
  if (userId.trim() === '') throw invalid(path, 'must not be blank');
  if (unstorable(userId)) throw invalid(path, 'contains a lone UTF-16 surrogate or a NUL character, which is not a storable user id');
  if (userId.startsWith(ORG_OWNER_PREFIX)) throw invalid(path, `must not start with "${ORG_OWNER_PREFIX}", which names organizations' keys`);
}

/** Refuses an organization name that is blank or holds control characters (NUL included). */
export function requireOrgName(name: string, path: string): void {
  if (name.trim() === '') throw invalid(path, 'must not be blank');
  if (CONTROL.test(name) || LONE_SURROGATE.test(name)) throw invalid(path, 'must not contain control characters or lone UTF-16 surrogates');
}
