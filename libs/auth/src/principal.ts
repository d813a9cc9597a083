import type { JWTPayload } from 'jose';
import { AuthError, ForbiddenError } from './auth.errors.js';
import { orgsFromClaim } from './org-claim.js';

/** Who made a request, as established from a verified credential. */
export interface Principal {
  /** The id that owns keys, usage and audit rows (`user_provider_keys.user_id`). */
  userId: string;
  roles: string[];
  isAdmin: boolean;
  /** The token's `sub`; equals `userId` unless the user id comes from another claim. */
  subject: string;
  authMethod: 'jwt';
  /** The token's `email` claim when it looks like an address and is not marked unverified (notification emails go there). */
  email?: string;
  /**
   * The organizations the token's `AUTH_ORG_CLAIM` lists (see `orgsFromClaim`); absent when no
   * org claim is configured, empty when the token lists none.
   */
  orgs?: string[];
}

/** `user_provider_keys.user_id` is VARCHAR(255); a longer id could never own a row. */
const MAX_USER_ID_LENGTH = 255;

/**
 * Builds a principal from a payload whose signature and standard claims were already verified.
 * Roles are the union of a top-level `roles` array and Keycloak's `realm_access.roles`;
 * anything that is not a string is ignored rather than trusted.
 */
export function principalFromClaims(
  payload: JWTPayload,
  settings: { userIdClaim: string; adminRole: string; orgClaim?: string },
): Principal {
  const rawUserId = payload[settings.userIdClaim];
  if (typeof rawUserId !== 'string' || rawUserId.trim() === '') {
    throw new AuthError('invalid_token', 'The bearer token does not name a user');
  }
  if (rawUserId.length > MAX_USER_ID_LENGTH) {
    throw new AuthError('invalid_token', 'The bearer token names a user id that is too long');
  }
  if (!storableUserId(rawUserId)) {
    throw new AuthError('invalid_token', 'The bearer token names a user id that is not valid text (a lone UTF-16 surrogate or a NUL character)');
  }
  if (rawUserId.startsWith(ORG_OWNER_PREFIX)) {
    throw new AuthError('invalid_token', `The bearer token names a user id that starts with "${ORG_OWNER_PREFIX}", which names organizations' keys`);
  }
  const roles = collectRoles(payload);
  const email = notifiableEmail(payload);
  return {
    userId: rawUserId,
    roles,
    isAdmin: roles.includes(settings.adminRole),
    subject: typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : rawUserId,
    authMethod: 'jwt',
    ...(email === undefined ? {} : { email }),
    ...(settings.orgClaim === undefined ? {} : { orgs: orgsFromClaim(payload[settings.orgClaim]) }),
  };
}

/** One address, no spaces or angle brackets, within the SMTP path limit. */
const EMAIL_ADDRESS = /^[^\s@<>,;"]+@[^\s@<>,;"]+\.[^\s@<>,;"]+$/;

/**
 * The address to send notifications to: the `email` claim, unless the issuer says it is unverified
 * (`email_verified: false`), in which case mail could reach someone who merely typed it in.
 */
function notifiableEmail(payload: JWTPayload): string | undefined {
  const email = payload.email;
  if (typeof email !== 'string' || email.length > 254 || !EMAIL_ADDRESS.test(email)) return undefined;
  if (payload.email_verified === false) return undefined;
  return email;
}

/**
 * Organizations' keys are owned by the pseudo-user `org:<org id>` (see the orgs migration); a
 * signed-in user with such an id would own them, so no token may name one.
 */
export const ORG_OWNER_PREFIX = 'org:';

/** The owner id under which an organization's keys are stored. */
export function orgKeyOwner(orgId: string): string {
  return `${ORG_OWNER_PREFIX}${orgId}`;
}

// Postgres stores a lone surrogate as U+FFFD, so "a\uD800" and "a\uDBFF" would both become the
// user "a\uFFFD" and share keys and usage; and it cannot store NUL at all. Such ids are refused.
const LONE_SURROGATE = /\p{Cs}/u;

function storableUserId(userId: string): boolean {
  return !LONE_SURROGATE.test(userId) && !userId.includes('\u0000');
}

function collectRoles(payload: JWTPayload): string[] {
  const found = new Set<string>();
  addStrings(found, payload.roles);
  const realmAccess = payload.realm_access;
  if (typeof realmAccess === 'object' && realmAccess !== null && 'roles' in realmAccess) {
    addStrings(found, realmAccess.roles);
  }
  return [...found];
}

function addStrings(into: Set<string>, value: unknown): void {
  if (!Array.isArray(value)) return;
  for (const item of value) {
    if (typeof item === 'string' && item !== '') into.add(item);
  }
}

/** Throws `ForbiddenError` unless the principal holds the administrator role. */
export function requireAdmin(principal: Principal): void {
  if (!principal.isAdmin) throw new ForbiddenError();
}
