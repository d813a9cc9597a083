import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { LogLevel } from 'fastify';
import { findUserKeys } from '@byok/db';
import { buildModelList } from '../models/model-list.js';
import type { ProxyServices } from '../services/proxy-services.js';

export const MODELS_PATHS = ['/v1/models', '/api/v1/llm/models'] as const;

/**
 * `GET /v1/models`: the models the caller can reach and through which path. Reads the caller's
 * key rows (for the validated model lists), so it is not on the hot path's no-database diet.
 */
export const modelsRoutes: FastifyPluginAsyncTypebox<{ services: ProxyServices; logLevel: LogLevel }> = async (app, { services, logLevel }) => {
  for (const url of MODELS_PATHS) {
    app.get(url, {
      logLevel,
      schema: { tags: ['proxy'], summary: 'List the models you can reach (OpenAI-compatible)' },
      handler: async (request) => {
        const rows = await findUserKeys(services.deps.orm.em.fork(), request.proxyCaller.userId);
        return buildModelList(rows, services.systemKeys.available, services.models);
      },
    });
  }
};
