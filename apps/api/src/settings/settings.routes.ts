import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { auditContext } from '@byok/http';
import { errorResponses } from '../http/error-responses.js';
import { UserSettingsView } from './settings.schemas.js';
import type { SettingsService } from './settings.service.js';

/** `GET/PUT /settings` under /api/v1/llm/byok: the caller's routing settings. */
export const settingsRoutes: FastifyPluginAsyncTypebox<{ settings: SettingsService }> = async (app, { settings }) => {
  app.addHook('onRequest', app.authenticate);

  app.get('/settings', {
    schema: {
      tags: ['settings'],
      summary: 'Your routing settings',
      response: { 200: UserSettingsView, ...errorResponses(401, 503) },
    },
    handler: async (request) => settings.get(request.em, request.principal.userId),
  });

  app.put('/settings', {
    schema: {
      tags: ['settings'],
      summary: 'Change your routing settings',
      description: 'Replaces the settings (every field is required), audits the change, and every proxy applies it to your next request.',
      body: UserSettingsView,
      response: { 200: UserSettingsView, ...errorResponses(400, 401, 503) },
    },
    handler: async (request) => settings.put(request.em, auditContext(request), request.principal.userId, request.body),
  });
};
