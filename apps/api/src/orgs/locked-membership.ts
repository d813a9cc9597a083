import { findOrgMember, lockOrg, type EntityManager, type OrgRole, type OrgRow } from '@byok/db';
import { orgNotFound } from '@byok/http';

/**
 * Locks the organization's row for the rest of the transaction and reads the caller's role anew
 * under the lock. The route's guard checked the role before, but a concurrent change (a demotion,
 * a removal, the organization's deletion) may have landed since; decisions are made on this.
 */
export async function lockedMembership(tx: EntityManager, orgId: string, userId: string): Promise<{ org: OrgRow; role: OrgRole }> {
  const org = await lockOrg(tx, orgId);
  const member = org === null ? null : await findOrgMember(tx, org.id, userId);
  if (org === null || member === null) throw orgNotFound();
  return { org, role: member.role };
}

/** What the org services tell the proxies after a commit (see the key-change channel in docs/architecture.md). */
export interface OrgAnnouncements {
  /** A user id (their memberships changed) or `org:<id>` (the organization's settings changed or it is gone). */
  announceKeyChange: (ownerId: string) => Promise<void>;
  /** A gateway token stopped working (its organization was deleted). */
  announceTokenRevoked: (tokenHash: string) => Promise<void>;
}
