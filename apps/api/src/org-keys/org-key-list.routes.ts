import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { orgKeyOwner } from '@byok/auth';
import { canManageOrg, ORG_ROLES } from '@byok/db';
import { eagerSerializerCompiler } from '../http/eager-serializer.js';
import { errorResponses } from '../http/error-responses.js';
import { KEY_LIST_DESCRIPTION, keyViewsWithHealth, type KeyListRoutesOptions } from '../keys/key-list.routes.js';
import { KeyView } from '../keys/key.schemas.js';
import { ORG_ERRORS, OrgParam } from './org-access.js';
import { OrgProviderSummary, summarizeOrgKeys } from './org-key-summary.js';

const OrgKeyListing = Type.Object({
  role: Type.Enum(ORG_ROLES, { description: 'Your role in the organization.' }),
  providers: Type.Array(OrgProviderSummary, { description: 'Per provider the organization holds keys for, by provider id.' }),
  keys: Type.Optional(Type.Array(KeyView, { description: 'Owners and admins only: every key, masked, as in your own listing.' })),
});

/**
 * `GET /api/v1/orgs/{org}/byok/keys`: the one organization key route open to every member. A
 * member learns which providers the organization covers and whether they work, never anything
 * about one key (its hint, label or id); owners and admins also get the keys themselves.
 */
export const orgKeyListRoutes: FastifyPluginAsyncTypebox<KeyListRoutesOptions> = async (app, { keys, healthOf }) => {
  app.addHook('onRequest', app.authenticate);
  app.setSerializerCompiler(eagerSerializerCompiler(app.getSchemas()));

  app.get('/keys', {
    config: { orgRole: 'member' },
    schema: {
      tags: ['org-keys'],
      summary: "The organization's keys: a summary for members, masked keys for owners and admins",
      description: `Every member gets \`providers\`: per provider, how many keys, how many enabled, whether one is usable and the best status. Owners and admins also get \`keys\`. ${KEY_LIST_DESCRIPTION} A non-member gets 404 \`org_not_found\`.`,
      params: Type.Object(OrgParam),
      response: { 200: OrgKeyListing, ...errorResponses(400, 401, 503), ...ORG_ERRORS },
    },
    handler: async (request) => {
      const membership = request.orgMembership;
      const rows = await keys.listKeys(request.em, orgKeyOwner(membership.orgId));
      const listing = { role: membership.role, providers: summarizeOrgKeys(rows) };
      return canManageOrg(membership.role) ? { ...listing, keys: await keyViewsWithHealth(rows, healthOf) } : listing;
    },
  });
};
