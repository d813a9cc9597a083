import { orgKeyOwner } from '@byok/auth';
import { appendAudit, deleteOrg, findOrg, insertOrgWithOwner, listOrgMembers, listOrgsOfUser, updateOrg, type EntityManager, type OrgMembership, type OrgMemberRow, type OrgRole, type OrgRow } from '@byok/db';
import { AppError, orgNotFound } from '@byok/http';
import type { Actor } from '../http/actor.js';
import { hasOrgRole, orgRoleRequired } from './org-access.js';
import { requireOrgName } from './org-input.js';
import type { UpdateOrgBody } from './org.schemas.js';
import { lockedMembership, type OrgAnnouncements } from './locked-membership.js';

/** Organizations one user may create at most; each is a standing place for shared keys. */
export const MAX_ORGS_PER_CREATOR = 50;

/**
 * Organizations: create (the caller becomes owner), list the caller's, read one with its members,
 * change settings (owners and admins), delete (owners). Every change is audited with the org and
 * the actor; setting changes and deletion are announced as `org:<id>` so every proxy drops the
 * routes it cached for the organization, and a creation with the creator's id (a new membership).
 */
export function createOrgService(deps: OrgAnnouncements & { maxOrgsPerCreator: number }) {
  return {
    async create(em: EntityManager, actor: Actor, name: string): Promise<OrgRow> {
      requireOrgName(name, 'body/name');
      const created = await em.transactional(async (tx) => {
        const org = await insertOrgWithOwner(tx, { name, createdBy: actor.actorId, maxPerCreator: deps.maxOrgsPerCreator });
        if (org === null) throw new AppError('conflict', `You already created ${deps.maxOrgsPerCreator} organizations, the most allowed`);
        await appendAudit(tx, { ...actor, action: 'org.created', subjectUserId: orgKeyOwner(org.id), orgId: org.id, details: { name } });
        return org;
      });
      // The creator is a member now: proxies holding the creator's list of orgs drop it.
      await deps.announceKeyChange(actor.actorId);
      return created;
    },

    list(em: EntityManager, userId: string): Promise<Array<OrgRow & { role: OrgRole }>> {
      return listOrgsOfUser(em, userId);
    },

    /** The organization and its members, for a caller whose membership the route's guard established. */
    async get(em: EntityManager, membership: OrgMembership): Promise<{ org: OrgRow; members: OrgMemberRow[] }> {
      const org = await findOrg(em, membership.orgId);
      // Deleted between the guard's check and here: as for any organization the caller is not in.
      if (org === null) throw orgNotFound();
      return { org, members: await listOrgMembers(em, org.id) };
    },

    /** Changes the given settings (absent fields stay); audits each changed field's before and after. */
    async update(em: EntityManager, actor: Actor, orgId: string, patch: UpdateOrgBody): Promise<{ org: OrgRow; role: OrgRole }> {
      if (patch.name !== undefined) requireOrgName(patch.name, 'body/name');
      const { org, role, policyChanged } = await em.transactional(async (tx) => {
        const locked = await lockedMembership(tx, orgId, actor.actorId);
        if (!hasOrgRole(locked.role, 'admin')) throw orgRoleRequired('admin', "change the organization's settings");
        const before = locked.org;
        const after = await updateOrg(tx, before.id, {
          ...(patch.name === undefined ? {} : { name: patch.name }),
          ...(patch.member_keys === undefined ? {} : { memberKeys: patch.member_keys }),
          ...(patch.platform_fallback === undefined ? {} : { platformFallback: patch.platform_fallback }),
        });
        const changes = Object.fromEntries(
          (
            [
              ['name', before.name, after.name],
              ['member_keys', before.memberKeys, after.memberKeys],
              ['platform_fallback', before.platformFallback, after.platformFallback],
            ] as const
          )
            .filter(([, from, to]) => from !== to)
            .map(([field, from, to]) => [field, { from, to }]),
        );
        if (Object.keys(changes).length > 0) {
          await appendAudit(tx, { ...actor, action: 'org.updated', subjectUserId: orgKeyOwner(before.id), orgId: before.id, details: changes });
        }
        return { org: after, role: locked.role, policyChanged: 'member_keys' in changes || 'platform_fallback' in changes };
      });
      if (policyChanged) await deps.announceKeyChange(orgKeyOwner(org.id));
      return { org, role };
    },

    /**
     * Deletes the organization with its keys, memberships and tokens (foreign keys cascade); its
     * audit trail and usage records stay. Owners only, checked again under the lock.
     */
    async remove(em: EntityManager, actor: Actor, orgId: string): Promise<void> {
      const { org, tokenHashes } = await em.transactional(async (tx) => {
        const locked = await lockedMembership(tx, orgId, actor.actorId);
        if (!hasOrgRole(locked.role, 'owner')) throw orgRoleRequired('owner', 'delete the organization');
        const deleted = await deleteOrg(tx, locked.org.id);
        await appendAudit(tx, {
          ...actor,
          action: 'org.deleted',
          subjectUserId: orgKeyOwner(locked.org.id),
          orgId: locked.org.id,
          details: { name: locked.org.name, members: deleted.memberIds.length, keys: deleted.keys, tokens_revoked: deleted.tokenHashes.length },
        });
        return { org: locked.org, tokenHashes: deleted.tokenHashes };
      });
      await deps.announceKeyChange(orgKeyOwner(org.id));
      for (const hash of tokenHashes) await deps.announceTokenRevoked(hash);
    },
  };
}

export type OrgService = ReturnType<typeof createOrgService>;
