import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { auditContext } from '@byok/http';
import { errorResponses } from '../http/error-responses.js';
import { guardOrgRoutes } from './org-access.js';
import { AddMemberBody, ChangeRoleBody, MemberParams, MemberView, OrgParams } from './org.schemas.js';
import type { OrgMembersService } from './org-members.service.js';
import { toMemberView } from './org-view.js';

const errors = errorResponses(400, 401, 403, 404, 503);
const ACCESS_NOTE = 'Callers who are not members get 404 `org_not_found`; members below the role needed 403 `org_role_required`.';
const USER_ID_NOTE = 'A user id that is blank, holds a lone UTF-16 surrogate or NUL, or starts with `org:` answers 400.';

/** An organization's members under /api/v1/orgs/{org}/members. */
export const orgMembersRoutes: FastifyPluginAsyncTypebox<{ members: OrgMembersService }> = async (app, { members }) => {
  app.addHook('onRequest', app.authenticate);
  guardOrgRoutes(app);

  app.get('/orgs/:org/members', {
    config: { orgRole: 'member' },
    schema: {
      tags: ['orgs'],
      summary: "An organization's members (any member)",
      description: `Owners first, then admins, then members. ${ACCESS_NOTE}`,
      params: OrgParams,
      response: { 200: Type.Object({ members: Type.Array(MemberView) }), ...errors },
    },
    handler: async (request) => ({ members: (await members.list(request.em, request.orgMembership.orgId)).map(toMemberView) }),
  });

  app.post('/orgs/:org/members', {
    config: { orgRole: 'admin' },
    schema: {
      tags: ['orgs'],
      summary: 'Add a member (owners and admins; only owners grant owner)',
      description: `201 with the new member; 200 when the user already holds that role; 409 \`conflict\` when they hold another (use PATCH). ${USER_ID_NOTE} ${ACCESS_NOTE}`,
      params: OrgParams,
      body: AddMemberBody,
      response: { 200: MemberView, 201: MemberView, ...errors, ...errorResponses(409) },
    },
    handler: async (request, reply) => {
      const { member, created } = await members.add(request.em, auditContext(request), request.orgMembership.orgId, { userId: request.body.user_id, role: request.body.role ?? 'member' });
      return reply.code(created ? 201 : 200).send(toMemberView(member));
    },
  });

  app.patch('/orgs/:org/members/:user_id', {
    config: { orgRole: 'admin' },
    schema: {
      tags: ['orgs'],
      summary: "Change a member's role (owners and admins; only owners touch owners)",
      description: `Demoting the last owner answers 409 \`last_owner\`. ${USER_ID_NOTE} ${ACCESS_NOTE}`,
      params: MemberParams,
      body: ChangeRoleBody,
      response: { 200: MemberView, ...errors, ...errorResponses(409) },
    },
    handler: async (request) => toMemberView(await members.changeRole(request.em, auditContext(request), request.orgMembership.orgId, request.params.user_id, request.body.role)),
  });

  app.delete('/orgs/:org/members/:user_id', {
    config: { orgRole: 'admin', orgSelfParam: 'user_id' },
    schema: {
      tags: ['orgs'],
      summary: 'Remove a member, or leave (owners and admins; any member may remove themselves)',
      description: `Their use of the organization's keys stops on every proxy at once, and the gateway tokens they made to act for the organization are revoked (\`tokens_revoked\` in the audit record). Admins cannot remove owners; the last owner cannot leave or be removed (409 \`last_owner\`). ${USER_ID_NOTE} ${ACCESS_NOTE}`,
      params: MemberParams,
      response: { 204: Type.Null({ description: 'Removed' }), ...errors, ...errorResponses(409) },
    },
    handler: async (request, reply) => {
      await members.remove(request.em, auditContext(request), request.orgMembership.orgId, request.params.user_id);
      return reply.code(204).send(null);
    },
  });
};
