import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { auditContext } from '@byok/http';
import { errorResponses } from '../http/error-responses.js';
import { guardOrgRoutes } from './org-access.js';
import { CreateOrgBody, OrgDetailView, OrgParams, OrgView, UpdateOrgBody } from './org.schemas.js';
import { MAX_ORGS_PER_CREATOR, type OrgService } from './org.service.js';
import { toMemberView, toOrgView } from './org-view.js';

const errors = errorResponses(400, 401, 503);
/** An organization route's refusals: 404 `org_not_found` for non-members, 403 `org_role_required` below the route's role. */
const orgErrors = errorResponses(400, 401, 403, 404, 503);
const ACCESS_NOTE = 'Callers who are not members get 404 `org_not_found` (as for an organization that does not exist).';

/** Organizations under /api/v1: create, list yours, read, change settings, delete. */
export const orgsRoutes: FastifyPluginAsyncTypebox<{ orgs: OrgService }> = async (app, { orgs }) => {
  app.addHook('onRequest', app.authenticate);
  guardOrgRoutes(app);

  app.post('/orgs', {
    schema: {
      tags: ['orgs'],
      summary: 'Create an organization',
      description: `You become its owner. A user creates at most ${MAX_ORGS_PER_CREATOR} organizations (409 beyond).`,
      body: CreateOrgBody,
      response: { 201: OrgView, ...errors, ...errorResponses(409) },
    },
    handler: async (request, reply) => reply.code(201).send(toOrgView(await orgs.create(request.em, auditContext(request), request.body.name), 'owner')),
  });

  app.get('/orgs', {
    schema: { tags: ['orgs'], summary: 'The organizations you are a member of, with your role', response: { 200: Type.Object({ orgs: Type.Array(OrgView) }), ...errors } },
    handler: async (request) => ({ orgs: (await orgs.list(request.em, request.principal.userId)).map((org) => toOrgView(org, org.role)) }),
  });

  app.get('/orgs/:org', {
    config: { orgRole: 'member' },
    schema: { tags: ['orgs'], summary: 'One of your organizations with its members', description: ACCESS_NOTE, params: OrgParams, response: { 200: OrgDetailView, ...orgErrors } },
    handler: async (request) => {
      const { org, members } = await orgs.get(request.em, request.orgMembership);
      return { ...toOrgView(org, request.orgMembership.role), members: members.map(toMemberView) };
    },
  });

  app.patch('/orgs/:org', {
    config: { orgRole: 'admin' },
    schema: {
      tags: ['orgs'],
      summary: "Change an organization's name or routing settings (owners and admins)",
      description: `Absent fields stay. Changes to \`member_keys\` or \`platform_fallback\` apply to members' next requests on every proxy. Audited as \`org.updated\`. ${ACCESS_NOTE}`,
      params: OrgParams,
      body: UpdateOrgBody,
      response: { 200: OrgView, ...orgErrors },
    },
    handler: async (request) => {
      const { org, role } = await orgs.update(request.em, auditContext(request), request.orgMembership.orgId, request.body);
      return toOrgView(org, role);
    },
  });

  app.delete('/orgs/:org', {
    config: { orgRole: 'owner' },
    schema: {
      tags: ['orgs'],
      summary: 'Delete an organization (owners)',
      description: `Deletes its keys, memberships and gateway tokens (the tokens stop working at once on every proxy); its audit trail and usage records stay, with \`org.deleted\` last. ${ACCESS_NOTE}`,
      params: OrgParams,
      response: { 204: Type.Null({ description: 'Deleted' }), ...orgErrors },
    },
    handler: async (request, reply) => {
      await orgs.remove(request.em, auditContext(request), request.orgMembership.orgId);
      return reply.code(204).send(null);
    },
  });
};
