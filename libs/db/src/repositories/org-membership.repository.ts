import type { EntityManager } from '@mikro-orm/postgresql';

/** A member's role in an organization (`byok_org_members.role`). */
export type OrgRole = 'owner' | 'admin' | 'member';
export const ORG_ROLES: readonly OrgRole[] = ['owner', 'admin', 'member'];

/** How a member's own keys mix with the organization's while acting for it (`byok_orgs.member_keys`). */
export type MemberKeysPolicy = 'prefer' | 'allow' | 'forbid';
export const MEMBER_KEYS_POLICIES: readonly MemberKeysPolicy[] = ['prefer', 'allow', 'forbid'];

/** What a request acting for an organization needs to know: the caller's role and the org's routing policy. */
export interface OrgMembership {
  orgId: string;
  role: OrgRole;
  memberKeys: MemberKeysPolicy;
  platformFallback: 'allow' | 'never';
}

/** The prefix of an organization's key owner id (`ORG_OWNER_PREFIX` in @byok/auth). */
export const ORG_KEY_OWNER_PREFIX = 'org:';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` can be an organization id; anything else is nobody's organization (404, not 500). */
export function isOrgId(value: string): boolean {
  return UUID.test(value);
}

/**
 * The user's membership of the organization with the org's policy, or null when the user is not a
 * member or the organization does not exist — callers answer both with the same 404, so a
 * non-member cannot learn which organizations exist.
 */
export async function findOrgMembership(em: EntityManager, orgId: string, userId: string): Promise<OrgMembership | null> {
  if (!isOrgId(orgId)) return null;
  const rows = await em.execute<Array<{ role: OrgRole; member_keys: MemberKeysPolicy; platform_fallback: 'allow' | 'never' }>>(
    `SELECT m.role, o.member_keys, o.platform_fallback FROM byok_org_members m JOIN byok_orgs o ON o.id = m.org_id
     WHERE m.org_id = ? AND m.user_id = ?`,
    [orgId.toLowerCase(), userId],
  );
  const row = rows[0];
  return row === undefined ? null : { orgId: orgId.toLowerCase(), role: row.role, memberKeys: row.member_keys, platformFallback: row.platform_fallback };
}

/**
 * The ids (lower-case) of every organization the user is a member of. The proxy keeps this per user
 * so a request naming an organization the user is not in is answered without a query.
 */
export async function findOrgIdsOfMember(em: EntityManager, userId: string): Promise<string[]> {
  const rows = await em.execute<Array<{ org_id: string }>>('SELECT org_id FROM byok_org_members WHERE user_id = ?', [userId]);
  return rows.map((row) => row.org_id.toLowerCase());
}

/** Owners and admins manage an organization's keys, members and settings; members use its keys. */
export function canManageOrg(role: OrgRole): boolean {
  return role === 'owner' || role === 'admin';
}

/**
 * The organization whose keys `ownerId` owns when it is an organization's key owner (`org:<uuid>`,
 * as `orgKeyOwner` in @byok/auth writes it, which libs/db does not depend on), else null.
 */
export function orgIdOfKeyOwner(ownerId: string): string | null {
  if (!ownerId.startsWith(ORG_KEY_OWNER_PREFIX)) return null;
  const orgId = ownerId.slice(ORG_KEY_OWNER_PREFIX.length);
  return isOrgId(orgId) ? orgId.toLowerCase() : null;
}
