import { appendAudit, countOrgOwners, deleteOrgMember, findOrgMember, insertOrgMember, listOrgMembers, lockOrg, revokeOrgTokensOfMember, setOrgMemberRole, type EntityManager, type OrgMemberRow, type OrgRole } from '@byok/db';
import { AppError, notFound, orgNotFound } from '@byok/http';
import type { Actor } from '../http/actor.js';
import { hasOrgRole, orgRoleRequired } from './org-access.js';
import { requireMemberUserId } from './org-input.js';
import { lockedMembership, type OrgAnnouncements } from './locked-membership.js';

const lastOwner = () => new AppError('last_owner', 'This is the organization’s last owner; make someone else an owner first (or delete the organization)');

/**
 * An organization's members. Every change locks the organization's row first and decides on the
 * caller's role read under that lock, so concurrent changes run one after the other: two admins
 * demoting the last two owners at once leave one owner, and the second gets 409 `last_owner`.
 * Owners and admins manage members; only owners grant `owner` or change or remove an owner; any
 * member may leave. Each change is audited and announced with the member's user id, so every
 * proxy drops the routes it cached for them.
 */
export function createOrgMembersService(deps: Pick<OrgAnnouncements, 'announceKeyChange' | 'announceTokenRevoked'>) {
  /**
   * Runs `change` under the organization's lock with the caller's current role; announces the
   * member's user id after the commit when `change` says it changed something.
   */
  async function manage<T>(
    em: EntityManager,
    actor: Actor,
    orgId: string,
    userId: string,
    change: (tx: EntityManager, org: { id: string; actorRole: OrgRole }) => Promise<{ result: T; changed: boolean }>,
  ): Promise<T> {
    const { result, changed } = await em.transactional(async (tx) => {
      const { org, role } = await lockedMembership(tx, orgId, actor.actorId);
      return change(tx, { id: org.id, actorRole: role });
    });
    if (changed) await deps.announceKeyChange(userId);
    return result;
  }

  return {
    list(em: EntityManager, orgId: string): Promise<OrgMemberRow[]> {
      return listOrgMembers(em, orgId);
    },

    /** Adds the user; `created: false` when they already hold that role (a retried request), 409 when another. */
    async add(em: EntityManager, actor: Actor, orgId: string, input: { userId: string; role: OrgRole }): Promise<{ member: OrgMemberRow; created: boolean }> {
      requireMemberUserId(input.userId, 'body/user_id');
      return manage<{ member: OrgMemberRow; created: boolean }>(em, actor, orgId, input.userId, async (tx, org) => {
        if (!hasOrgRole(org.actorRole, 'admin')) throw orgRoleRequired('admin', 'add members');
        if (input.role === 'owner' && org.actorRole !== 'owner') throw orgRoleRequired('owner', 'make someone an owner');
        const existing = await findOrgMember(tx, org.id, input.userId);
        if (existing !== null) {
          if (existing.role === input.role) return { result: { member: existing, created: false }, changed: false };
          throw new AppError('conflict', `${input.userId} is already a member, as ${existing.role}; change the role with PATCH instead`, { details: [{ path: 'body/user_id', message: 'already a member' }] });
        }
        const member = await insertOrgMember(tx, { orgId: org.id, userId: input.userId, role: input.role, addedBy: actor.actorId });
        await appendAudit(tx, { ...actor, action: 'org.member_added', subjectUserId: input.userId, orgId: org.id, details: { role: input.role } });
        return { result: { member, created: true }, changed: true };
      });
    },

    async changeRole(em: EntityManager, actor: Actor, orgId: string, userId: string, role: OrgRole): Promise<OrgMemberRow> {
      requireMemberUserId(userId, 'params/user_id');
      return manage(em, actor, orgId, userId, async (tx, org) => {
        if (!hasOrgRole(org.actorRole, 'admin')) throw orgRoleRequired('admin', 'change roles');
        const target = await findOrgMember(tx, org.id, userId);
        if (target === null) throw notFound('Member');
        if ((target.role === 'owner' || role === 'owner') && org.actorRole !== 'owner') throw orgRoleRequired('owner', 'make someone an owner or change an owner’s role');
        if (target.role === role) return { result: target, changed: false };
        if (target.role === 'owner' && (await countOrgOwners(tx, org.id)) <= 1) throw lastOwner();
        const changed = await setOrgMemberRole(tx, org.id, userId, role);
        await appendAudit(tx, { ...actor, action: 'org.member_role_changed', subjectUserId: userId, orgId: org.id, details: { role: { from: target.role, to: role } } });
        return { result: changed, changed: true };
      });
    },

    /**
     * A platform admin sets a user's role in any organization, adding them when absent: how an
     * organization recorded from a token claim (members only) gets its first owner. The last
     * owner cannot be demoted here either.
     */
    async adminSetRole(em: EntityManager, actor: Actor, orgId: string, userId: string, role: OrgRole): Promise<{ member: OrgMemberRow; created: boolean }> {
      requireMemberUserId(userId, 'params/user_id');
      const { result, changed } = await em.transactional(async (tx) => {
        const org = await lockOrg(tx, orgId);
        if (org === null) throw orgNotFound('params/org');
        const target = await findOrgMember(tx, org.id, userId);
        if (target === null) {
          const member = await insertOrgMember(tx, { orgId: org.id, userId, role, addedBy: actor.actorId });
          await appendAudit(tx, { ...actor, action: 'org.member_added', subjectUserId: userId, orgId: org.id, details: { role, by_platform_admin: true } });
          return { result: { member, created: true }, changed: true };
        }
        if (target.role === role) return { result: { member: target, created: false }, changed: false };
        if (target.role === 'owner' && (await countOrgOwners(tx, org.id)) <= 1) throw lastOwner();
        const member = await setOrgMemberRole(tx, org.id, userId, role);
        await appendAudit(tx, { ...actor, action: 'org.member_role_changed', subjectUserId: userId, orgId: org.id, details: { role: { from: target.role, to: role }, by_platform_admin: true } });
        return { result: { member, created: false }, changed: true };
      });
      if (changed) await deps.announceKeyChange(userId);
      return result;
    },

    /**
     * Removes the member; a member may remove themselves (leave), except the last owner. The
     * tokens they made to act for the organization are revoked with it (they could act for it no
     * more, and should not stay listed as working).
     */
    async remove(em: EntityManager, actor: Actor, orgId: string, userId: string): Promise<void> {
      requireMemberUserId(userId, 'params/user_id');
      const leaving = userId === actor.actorId;
      const revokedTokenHashes = await manage(em, actor, orgId, userId, async (tx, org) => {
        if (!leaving && !hasOrgRole(org.actorRole, 'admin')) throw orgRoleRequired('admin', 'remove members');
        const target = await findOrgMember(tx, org.id, userId);
        if (target === null) throw notFound('Member');
        if (target.role === 'owner' && !leaving && org.actorRole !== 'owner') throw orgRoleRequired('owner', 'remove an owner');
        if (target.role === 'owner' && (await countOrgOwners(tx, org.id)) <= 1) throw lastOwner();
        await deleteOrgMember(tx, org.id, userId);
        const tokenHashes = await revokeOrgTokensOfMember(tx, org.id, userId);
        await appendAudit(tx, { ...actor, action: 'org.member_removed', subjectUserId: userId, orgId: org.id, details: { role: target.role, left: leaving, tokens_revoked: tokenHashes.length } });
        return { result: tokenHashes, changed: true };
      });
      for (const hash of revokedTokenHashes) await deps.announceTokenRevoked(hash);
    },
  };
}

export type OrgMembersService = ReturnType<typeof createOrgMembersService>;
