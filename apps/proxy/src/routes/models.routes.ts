import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { LogLevel } from 'fastify';
import { findUserKeys, getUserSettings } from '@byok/db';
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
        description: 'Concrete chat models only, never patterns: the chat models your keys were tested with, and the known models (the price table) of every provider your keys or the platform reach. Each entry says how it would be routed right now (`byok.route`, `byok.provider`, `byok.upstream_model`, `byok.charged`): a key cooling down gives way to the next route, and platform-key models are left out when your `platform_fallback` setting (or this request\'s `x-byok-fallback: never` header) is `never`. A model not listed may still be requested.' },
      handler: async (request) => {
        const override = platformFallbackOverride(request.headers);
        const { orm } = services.deps;
        const userId = request.proxyCaller.userId;
        const [rows, settings] = await Promise.all([findUserKeys(orm.em.fork(), userId), getUserSettings(orm.em.fork(), userId)]);
        return buildModelList(rows, services.systemKeys.available, services.models, known, { keyHealth: services.keyHealth, platformFallback: override ?? settings.platformFallback });
      },
    });
  }
};
