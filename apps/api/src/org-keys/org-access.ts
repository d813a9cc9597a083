import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { canManageOrg, findOrgMembership, type OrgMembership } from '@byok/db';
import { AppError } from '@byok/http';

/** The `{org}` path parameter of every organization route. Any text: what is not an organization of the caller's is 404. */
export const OrgParam = {
  org: Type.String({
    minLength: 1,
    maxLength: 64,
    description: "The organization's id (a UUID). An organization you are not a member of answers 404 `org_not_found`, exactly like one that does not exist.",
  }),
};

/**
 * The caller's membership of the request's `{org}`, or 404 `org_not_found`: for a non-member, an
 * unknown organization and a malformed id alike, so nobody learns which organizations exist.
 */
export async function requireOrgMember(request: FastifyRequest): Promise<OrgMembership> {
  const { org } = request.params as { org: string };
  const membership = await findOrgMembership(request.em, org, request.principal.userId);
  if (membership === null) throw new AppError('org_not_found', 'Organization not found, or you are not a member of it');
  return membership;
}

/** The caller's membership when they are an owner or admin of `{org}`; 403 `org_role_required` for a member, 404 for anyone else. */
export async function requireOrgManager(request: FastifyRequest): Promise<OrgMembership> {
  const membership = await requireOrgMember(request);
  if (!canManageOrg(membership.role)) {
    throw new AppError('org_role_required', "Only the organization's owners and admins may do this; members use its keys but do not manage them");
  }
  return membership;
}

/** What every organization route may answer besides its own statuses, for OpenAPI. */
export const ORG_ERRORS = { 403: { $ref: 'ErrorBody' }, 404: { $ref: 'ErrorBody' } } as const;
