import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { auditContext } from '@byok/http';
import { errorResponses } from '../http/error-responses.js';
import { KeyIdParam, KeyView, PatchKeyBody, ToggleKeyBody, ToggleResult } from './key.schemas.js';
import { PATCH_BODY_SHAPE, TOGGLE_BODY_SHAPE } from './key-body-shapes.js';
import type { KeyHealthLookup } from './key-health-lookup.js';
import type { KeyPoolService } from './key-pool.service.js';
import { toKeyView } from './key-view.js';
import { scopedDescription, scopedParams, type KeyOwnerScope } from './key-owner-scope.js';

export interface KeyByIdRoutesOptions {
  pool: KeyPoolService;
  healthOf: KeyHealthLookup;
  /** Whose keys: the caller's, or an organization's (see key-owner-scope.ts). */
  scope: KeyOwnerScope;
}

const ID_NOTE = 'A malformed id answers 400; an id that is not one of your keys (unknown, deleted, or another user\'s) answers 404, never 403.';

/** `/keys/by-id/{id}`: one of the scope owner's keys by id, whichever provider and label it has. */
export const keyByIdRoutes: FastifyPluginAsyncTypebox<KeyByIdRoutesOptions> = async (app, { pool, healthOf, scope }) => {
  app.addHook('onRequest', app.authenticate);
  const tags = [scope.tag];
  const params = scopedParams(scope, KeyIdParam);
  const errors = <const S extends number>(...statuses: S[]) => ({ ...errorResponses(...statuses), ...scope.errors });

  app.get('/keys/by-id/:id', {
    config: scope.routeConfig,
    schema: {
      tags,
      summary: 'One of your keys by id (masked)',
      description: scopedDescription(scope, ID_NOTE),
      params,
      response: { 200: KeyView, ...errors(400, 401, 404, 503) },
    },
    handler: async (request) => {
      const key = await pool.getById(request.em, await scope.ownerOf(request), request.params.id);
      return toKeyView(key, (await healthOf([key.id])).get(key.id) ?? null);
    },
  });

  app.patch('/keys/by-id/:id', {
    config: scope.routeConfig,
    preValidation: PATCH_BODY_SHAPE,
    schema: {
      tags,
      summary: 'Rename, reorder, limit or enable one of your keys',
      description: scopedDescription(
        scope,
        `Changes any of \`label\`, \`priority\`, \`models\` (null: any model), \`enabled\` and \`expires_at\` (in the future; null clears it) in one step (absent fields stay; an empty patch changes nothing), audited, and tells every proxy at once. A label another of your keys for the provider holds (ignoring case) answers 409 \`duplicate_label\`; enabling a key an administrator disabled answers 403. Either way nothing is changed. ${ID_NOTE}`,
      ),
      params,
      body: Type.Optional(PatchKeyBody),
      response: { 200: KeyView, ...errors(400, 401, 403, 404, 409, 503) },
    },
    handler: async (request) => {
      const { label, priority, models, enabled, expires_at: expiresAt } = request.body ?? {};
      const key = await pool.patchById(request.em, auditContext(request), await scope.ownerOf(request), request.params.id, {
        ...(label !== undefined ? { label } : {}),
        ...(priority !== undefined ? { priority } : {}),
        ...(models !== undefined ? { models } : {}),
        ...(enabled !== undefined ? { enabled } : {}),
        ...(expiresAt !== undefined ? { expiresAt } : {}),
      });
      return toKeyView(key);
    },
  });

  app.delete('/keys/by-id/:id', {
    config: scope.routeConfig,
    schema: {
      tags,
      summary: 'Delete one of your keys by id',
      description: scopedDescription(scope, ID_NOTE),
      params,
      response: { 204: Type.Null({ description: 'Deleted' }), ...errors(400, 401, 404, 503) },
    },
    handler: async (request, reply) => {
      await pool.deleteById(request.em, auditContext(request), await scope.ownerOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  });

  app.post('/keys/by-id/:id/toggle', {
    config: scope.routeConfig,
    preValidation: TOGGLE_BODY_SHAPE,
    schema: {
      tags,
      summary: 'Enable or disable one of your keys by id',
      description: scopedDescription(scope, `As \`POST /keys/{provider}/toggle\`: \`{enabled}\` sets the state, no body flips it; a key an administrator disabled answers 403 to enabling. ${ID_NOTE}`),
      params,
      body: Type.Optional(ToggleKeyBody),
      response: { 200: ToggleResult, ...errors(400, 401, 403, 404, 503) },
    },
    handler: async (request) => {
      const enabled = request.body && typeof request.body.enabled === 'boolean' ? request.body.enabled : null;
      return pool.toggleById(request.em, auditContext(request), await scope.ownerOf(request), request.params.id, enabled);
    },
  });
};
