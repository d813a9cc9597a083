import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { errorResponses } from '../http/error-responses.js';
import { ORG_ERRORS, OrgParam } from '../org-keys/org-access.js';
import { guardOrgRoutes } from '../orgs/org-access.js';
import { AUDIT_READ_RESPONSE, replyWithAudit } from './audit-reply.js';
import { auditFilterFrom } from './audit-filter.js';
import { OrgAuditQuery } from './audit.schemas.js';
import type { AuditService } from './audit.service.js';

export interface OrgAuditRoutesOptions {
  audit: AuditService;
}

const errors = { ...errorResponses(400, 401, 503), ...ORG_ERRORS };
const params = Type.Object(OrgParam);

/** An organization's audit trail, under /api/v1/orgs/{org}; the caller's membership decides first. */
export const orgAuditRoutes: FastifyPluginAsyncTypebox<OrgAuditRoutesOptions> = async (app, { audit }) => {
  app.addHook('onRequest', app.authenticate);
  guardOrgRoutes(app);

  app.get('/orgs/:org/audit', {
    config: { orgRole: 'admin' },
    schema: {
      tags: ['org-usage', 'audit'],
      summary: "The organization's audit trail, newest first (owners and admins)",
      description:
        "Every record of a change made for the organization — its keys (by its admins, and the key-test worker's results), members and settings — with the acting user as `actor_id`, in cursor pages like `GET /audit` (same filters but `user`, same cursors, same csv/jsonl exports). Records outlive the organization's keys. A member gets 403 `org_role_required`, anyone else 404 `org_not_found`.",
      params,
      querystring: OrgAuditQuery,
      response: { 200: AUDIT_READ_RESPONSE, ...errors },
    },
    handler: async (request, reply) => {
      const { orgId } = request.orgMembership;
      return replyWithAudit(audit, request, reply, request.query, { ...auditFilterFrom(request.query, null), orgId });
    },
  });
};
