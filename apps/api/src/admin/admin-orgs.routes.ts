import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { auditContext } from '@byok/http';
import { errorResponses } from '../http/error-responses.js';
import { ChangeRoleBody, MemberParams, MemberView } from '../orgs/org.schemas.js';
import type { OrgMembersService } from '../orgs/org-members.service.js';
import { toMemberView } from '../orgs/org-view.js';

/** Platform admins' hand on organizations, under /api/v1/admin/byok. */
export const adminOrgsRoutes: FastifyPluginAsyncTypebox<{ members: OrgMembersService }> = async (app, { members }) => {
  app.addHook('onRequest', app.requireAdmin);

  app.put('/orgs/:org/members/:user_id', {
    schema: {
      tags: ['admin'],
      summary: "Set a user's role in any organization (platform admins)",
      description:
        'Adds the user with the role (201), or changes their role (200). An organization recorded from a token claim (`AUTH_ORG_CLAIM`) has members only; this is how it gets its first owner, who then manages it through `/orgs/{org}/…`. Demoting the last owner answers 409 `last_owner`; an unknown organization 404 `org_not_found`. Audited in the organization\'s trail (`by_platform_admin`) and announced to the proxies.',
      params: MemberParams,
      body: ChangeRoleBody,
      response: { 200: MemberView, 201: MemberView, ...errorResponses(400, 401, 403, 404, 409, 503) },
    },
    handler: async (request, reply) => {
      const { member, created } = await members.adminSetRole(request.em, auditContext(request), request.params.org, request.params.user_id, request.body.role);
      return reply.code(created ? 201 : 200).send(toMemberView(member));
    },
  });
};
