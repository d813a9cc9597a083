import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { LogLevel } from 'fastify';
import { orgKeyOwner } from '@byok/auth';
import { findUserKeys, getUserSettings } from '@byok/db';
import { orgNotFound } from '../auth/org-header.js';
import { platformFallbackOverride } from '../chat/platform-fallback-header.js';
import { knownChatModels } from '../models/chat-models.js';
import { buildModelList } from '../models/model-list.js';
import { loadPriceTable } from '../pricing/price-table.js';
import type { ProxyServices } from '../services/proxy-services.js';

export const MODELS_PATHS = ['/v1/models', '/api/v1/llm/models'] as const;

/**
 * `GET /v1/models`: the chat models the caller can reach and through which path. Reads the caller's
 * key rows (for the validated model lists), so it is not on the hot path's no-database diet.
 */
export const modelsRoutes: FastifyPluginAsyncTypebox<{ services: ProxyServices; logLevel: LogLevel }> = async (app, { services, logLevel }) => {
  // The same table the proxy prices with (PRICE_TABLE_FILE merged over the shipped one), read once.
  const known = knownChatModels(loadPriceTable(services.settings.priceTableFile));
  for (const url of MODELS_PATHS) {
    app.get(url, {
      logLevel,
      schema: { tags: ['proxy'], summary: 'List the models you can reach (OpenAI-compatible)',
        description: 'Concrete chat models only, never patterns: the chat models your keys were tested with, and the known models (the price table) of every provider your keys or the platform reach. Each entry says how it would be routed right now (`byok.route`, `byok.provider`, `byok.upstream_model`, `byok.charged`): a key cooling down gives way to the next route, and platform-key models are left out when your `platform_fallback` setting (or this request\'s `x-byok-fallback: never` header) is `never`. A model not listed may still be requested. Acting for an organization (`x-byok-org`, or a token made for one), the organization\'s keys count too, merged with yours by its `member_keys` policy, its `platform_fallback` applies, and entries its keys serve carry `byok.org_key: true`; a non-member gets 404 `org_not_found`.' },
      handler: async (request) => {
        const override = platformFallbackOverride(request.headers);
        const { orm } = services.deps;
        const { userId, orgId } = request.proxyCaller;
        if (orgId !== undefined) {
          // Membership through the route cache: an org the caller is not in is refused from memory,
          // before any key row is read.
          const membership = (await services.routes.getForOrg(userId, orgId))?.org;
          if (membership === undefined) throw orgNotFound();
          const [rows, orgRows] = await Promise.all([findUserKeys(orm.em.fork(), userId), findUserKeys(orm.em.fork(), orgKeyOwner(orgId))]);
          const org = { rows: orgRows, memberKeys: membership.memberKeys };
          return buildModelList(rows, services.systemKeys.available, services.models, known, { keyHealth: services.keyHealth, platformFallback: override ?? membership.platformFallback, org });
        }
        const [rows, settings] = await Promise.all([findUserKeys(orm.em.fork(), userId), getUserSettings(orm.em.fork(), userId)]);
        return buildModelList(rows, services.systemKeys.available, services.models, known, { keyHealth: services.keyHealth, platformFallback: override ?? settings.platformFallback });
      },
    });
  }
};
