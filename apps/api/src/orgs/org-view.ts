import type { OrgMemberRow, OrgRole, OrgRow } from '@byok/db';
import type { MemberView, OrgView } from './org.schemas.js';

/** The API's view of an organization, with the caller's role in it. */
export function toOrgView(org: OrgRow, role: OrgRole): OrgView {
  return {
    id: org.id,
    name: org.name,
    role,
    member_keys: org.memberKeys,
    platform_fallback: org.platformFallback,
    created_at: new Date(org.createdAt).toISOString(),
  };
}

export function toMemberView(member: OrgMemberRow): MemberView {
  return { user_id: member.userId, role: member.role, source: member.source, added_by: member.addedBy, created_at: new Date(member.createdAt).toISOString() };
}
