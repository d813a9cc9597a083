import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { canManageOrg } from '@byok/db';
import { errorResponses } from '../http/error-responses.js';
import { MEDIA_TYPES } from '../http/response-format.js';
import { ORG_ERRORS, OrgParam } from '../org-keys/org-access.js';
import { guardOrgRoutes } from '../orgs/org-access.js';
import { userUsageCsv } from './usage-csv.js';
import { KeyUsageParams, KeyUsageQuery, KeyUsageReport } from './usage.schemas.js';
import { OrgUsageQuery, OrgUsageReport } from './org-usage.schemas.js';
import type { OrgUsageService } from './org-usage.service.js';

export interface OrgUsageRoutesOptions {
  usage: OrgUsageService;
}

const errors = { ...errorResponses(400, 401, 503), ...ORG_ERRORS };
const params = Type.Object(OrgParam);
const SCOPE_NOTE =
  "Owners and admins read every member's requests made for the organization; a member reads only their own (the same route, narrowed). A non-member gets 404 `org_not_found`. Here `byok_calls` and `credits_saved` count the requests the organization's keys served. Reads the consumer's daily rollup, so a request shows up within seconds; days are UTC.";

/**
 * An organization's usage (JSON and CSV), under /api/v1/orgs/{org}. Who may read
 * what is decided here, from the caller's membership, before a service is asked.
 */
export const orgUsageRoutes: FastifyPluginAsyncTypebox<OrgUsageRoutesOptions> = async (app, { usage }) => {
  app.addHook('onRequest', app.authenticate);
  guardOrgRoutes(app);

  /** The report the caller may read: every member's for owners and admins, their own otherwise. */
  async function report(request: FastifyRequest, query: OrgUsageQuery) {
    const membership = request.orgMembership;
    const { group_by: groupBy = 'member', provider, model, ...range } = query;
    const memberId = canManageOrg(membership.role) ? null : request.principal.userId;
    const filter = { ...(provider === undefined ? {} : { provider }), ...(model === undefined ? {} : { model }) };
    return usage.orgUsage(request.em, membership.orgId, memberId, groupBy, range, filter);
  }

  app.get('/orgs/:org/usage', {
    config: { orgRole: 'member' },
    schema: {
      tags: ['org-usage'],
      summary: "The organization's usage, grouped by member, provider, model or day",
      description: SCOPE_NOTE,
      params,
      querystring: OrgUsageQuery,
      response: { 200: OrgUsageReport, ...errors },
    },
    handler: (request) => report(request, request.query),
  });

  app.get('/orgs/:org/usage.csv', {
    config: { orgRole: 'member' },
    schema: {
      tags: ['org-usage'],
      summary: "The organization's usage as CSV",
      description: `The groups of \`GET /orgs/{org}/usage\` as CSV (RFC 4180, header row, no totals row; text a spreadsheet would run as a formula is neutralised). ${SCOPE_NOTE}`,
      params,
      querystring: OrgUsageQuery,
      response: { 200: { description: 'The groups as CSV', content: { 'text/csv': { schema: Type.String() } } }, ...errors },
    },
    handler: async (request, reply) => {
      const result = await report(request, request.query);
      reply.header('content-disposition', `attachment; filename="org-usage-${result.from}-${result.to}-by-${result.group_by}.csv"`);
      return reply.type(MEDIA_TYPES.csv).send(userUsageCsv(result));
    },
  });

  app.get('/orgs/:org/byok/keys/:provider/usage', {
    config: { orgRole: 'admin' },
    schema: {
      tags: ['org-keys', 'org-usage'],
      summary: "Usage of the organization's key for one provider (owners and admins)",
      description:
        "Like `GET /llm/byok/keys/{provider}/usage` for the organization's keys: the requests members made for the organization that its keys for this provider served, over every key it has held for the provider, by model and as a daily series, and in `key` the same for the one key the route names. 404 unless the org's key labelled `default` (or `?label=`) exists now. A member gets 403 `org_role_required`, anyone else 404 `org_not_found`.",
      params: Type.Object({ ...OrgParam, ...KeyUsageParams.properties }),
      querystring: KeyUsageQuery,
      response: { 200: KeyUsageReport, ...errors },
    },
    handler: async (request) => {
      const { orgId } = request.orgMembership;
      const { label, ...range } = request.query;
      return usage.orgKeyUsage(request.em, orgId, request.params.provider, range, label);
    },
  });
};
