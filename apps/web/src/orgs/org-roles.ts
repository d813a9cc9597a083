import { canManageOrg } from './can-manage-org.js';
import type { MemberKeysPolicy, OrgMember, OrgRole, PlatformFallback } from './org-types.js';

/**
 * Who may do what in an organization, as the API enforces it (owner > admin > member): the page
 * offers only what the server would allow, and still shows the server's answer when it refuses.
 * `canManageOrg`, which the header's switcher needs too, is in can-manage-org.ts.
 */

export const ROLES: readonly OrgRole[] = ['owner', 'admin', 'member'];

/** Only owners make owners. */
export function grantableRoles(myRole: OrgRole): OrgRole[] {
  if (myRole === 'owner') return [...ROLES];
  return myRole === 'admin' ? ['admin', 'member'] : [];
}

/** Changing a role or removing someone: managers only, and admins never touch owners. */
export function canChangeMember(myRole: OrgRole, member: OrgMember): boolean {
  return canManageOrg(myRole) && (myRole === 'owner' || member.role !== 'owner');
}

/** Anyone may leave (the last owner is refused by the server); others are removed per `canChangeMember`. */
export function canRemoveMember(myRole: OrgRole, myUserId: string, member: OrgMember): boolean {
  return member.user_id === myUserId || canChangeMember(myRole, member);
}

/** The API refuses the org pseudo-owner prefix as a user id (org keys are stored under `org:<id>`); case-sensitive, as there. */
const ORG_OWNER_PREFIX = 'org:';
const MAX_USER_ID_LENGTH = 255;

/** Why a typed user id cannot be added, or null; the server checks again and its answer is shown too. */
export function userIdProblem(raw: string): string | null {
  const userId = raw.trim();
  if (userId === '') return 'Enter the user id of the person to add.';
  if (userId.length > MAX_USER_ID_LENGTH) return `A user id has at most ${MAX_USER_ID_LENGTH} characters.`;
  // Control characters (NUL, newlines) and lone surrogates are never part of a real user id.
  if (/[\p{Cc}\p{Cs}]/u.test(userId)) return 'The user id contains characters a user id cannot have.';
  if (userId.startsWith(ORG_OWNER_PREFIX)) return 'Ids starting with “org:” name organizations, not people.';
  return null;
}

/** The `member_keys` policy in one line each, for the settings and the key summary. */
export const MEMBER_KEYS_POLICIES: ReadonlyArray<{ value: MemberKeysPolicy; label: string; explanation: string }> = [
  { value: 'prefer', label: 'Members’ keys first', explanation: 'A member’s own keys are tried first; the organization’s keys take over when none of theirs can serve.' },
  { value: 'allow', label: 'Organization’s keys first', explanation: 'The organization’s keys are tried first; a member’s own keys take over when none of the organization’s can serve.' },
  { value: 'forbid', label: 'Organization’s keys only', explanation: 'Only the organization’s keys are used, never a member’s own (for compliance).' },
];

export const PLATFORM_FALLBACKS: ReadonlyArray<{ value: PlatformFallback; label: string; explanation: string }> = [
  { value: 'allow', label: 'Allow platform credits', explanation: 'When no key can serve a request, it goes to the platform key and the member’s credits pay.' },
  { value: 'never', label: 'Never use platform credits', explanation: 'When no key can serve a request, it fails with no_route instead.' },
];

const MAX_ORG_NAME_LENGTH = 100;

/** Why a typed organization name cannot be saved, or null; the server's own answer is shown too. */
export function orgNameProblem(raw: string): string | null {
  const name = raw.trim();
  if (name === '') return 'Enter a name for the organization.';
  if (name.length > MAX_ORG_NAME_LENGTH) return `An organization name has at most ${MAX_ORG_NAME_LENGTH} characters.`;
  if (/[\p{Cc}\p{Cs}]/u.test(name)) return 'The name contains characters that cannot be shown (control characters or broken Unicode).';
  return null;
}
