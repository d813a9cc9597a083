import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { auditContext } from '@byok/http';
import { errorResponses } from '../http/error-responses.js';
import { KeyIdParam, KeyView, PatchKeyBody, ToggleKeyBody, ToggleResult } from './key.schemas.js';
import type { KeyHealthLookup } from './key-health-lookup.js';
import type { KeyPoolService } from './key-pool.service.js';
import { toKeyView } from './key-view.js';

export interface KeyByIdRoutesOptions {
  pool: KeyPoolService;
  healthOf: KeyHealthLookup;
}

const ID_NOTE = 'A malformed id answers 400; an id that is not one of your keys (unknown, deleted, or another user\'s) answers 404, never 403.';

/** `/keys/by-id/{id}`: one of the caller's keys by id, whichever provider and label it has. */
export const keyByIdRoutes: FastifyPluginAsyncTypebox<KeyByIdRoutesOptions> = async (app, { pool, healthOf }) => {
  app.addHook('onRequest', app.authenticate);

  app.get('/keys/by-id/:id', {
    schema: {
      tags: ['keys'],
      summary: 'One of your keys by id (masked)',
      description: ID_NOTE,
      params: KeyIdParam,
      response: { 200: KeyView, ...errorResponses(400, 401, 404, 503) },
    },
    handler: async (request) => {
      const key = await pool.getById(request.em, request.principal.userId, request.params.id);
      return toKeyView(key, (await healthOf([key.id])).get(key.id) ?? null);
    },
  });

  app.patch('/keys/by-id/:id', {
    schema: {
      tags: ['keys'],
      summary: 'Rename, reorder, limit or enable one of your keys',
      description:
        `Changes any of \`label\`, \`priority\`, \`models\` (null: any model) and \`enabled\` in one step (absent fields stay; an empty patch changes nothing), audited, and tells every proxy at once. A label another of your keys for the provider holds (ignoring case) answers 409 \`duplicate_label\`; enabling a key an administrator disabled answers 403. Either way nothing is changed. ${ID_NOTE}`,
      params: KeyIdParam,
      body: Type.Optional(PatchKeyBody),
      response: { 200: KeyView, ...errorResponses(400, 401, 403, 404, 409, 503) },
    },
    handler: async (request) => {
      const { label, priority, models, enabled } = request.body ?? {};
      const key = await pool.patchById(request.em, auditContext(request), request.principal.userId, request.params.id, {
        ...(label !== undefined ? { label } : {}),
        ...(priority !== undefined ? { priority } : {}),
        ...(models !== undefined ? { models } : {}),
        ...(enabled !== undefined ? { enabled } : {}),
      });
      return toKeyView(key);
    },
  });

  app.delete('/keys/by-id/:id', {
    schema: {
      tags: ['keys'],
      summary: 'Delete one of your keys by id',
      description: ID_NOTE,
      params: KeyIdParam,
      response: { 204: Type.Null({ description: 'Deleted' }), ...errorResponses(400, 401, 404, 503) },
    },
    handler: async (request, reply) => {
      await pool.deleteById(request.em, auditContext(request), request.principal.userId, request.params.id);
      return reply.code(204).send(null);
    },
  });

  app.post('/keys/by-id/:id/toggle', {
    schema: {
      tags: ['keys'],
      summary: 'Enable or disable one of your keys by id',
      description: `As \`POST /keys/{provider}/toggle\`: \`{enabled}\` sets the state, no body flips it; a key an administrator disabled answers 403 to enabling. ${ID_NOTE}`,
      params: KeyIdParam,
      body: Type.Optional(ToggleKeyBody),
      response: { 200: ToggleResult, ...errorResponses(400, 401, 403, 404, 503) },
    },
    handler: async (request) => {
      const enabled = request.body && typeof request.body.enabled === 'boolean' ? request.body.enabled : null;
      return pool.toggleById(request.em, auditContext(request), request.principal.userId, request.params.id, enabled);
    },
  });
};
