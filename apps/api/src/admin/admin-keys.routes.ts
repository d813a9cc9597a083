import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { auditContext } from '@byok/http';
import { AdminToggleBody, KeyView, ToggleResult } from '../keys/key.schemas.js';
import { toKeyView } from '../keys/key-view.js';
import type { KeyService } from '../keys/key.service.js';
import { errorResponses } from '../http/error-responses.js';

const errors = errorResponses(400, 401, 403, 503);

/** Admin views over every user's keys, under /api/v1/admin/byok. */
export const adminKeysRoutes: FastifyPluginAsyncTypebox<{ keys: KeyService }> = async (app, { keys }) => {
  app.addHook('onRequest', app.requireAdmin);

  app.get('/keys', {
    schema: {
      tags: ['admin'],
      summary: 'All keys (masked), filtered and paginated',
      querystring: Type.Object(
        {
          user: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
          provider: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
          enabled: Type.Optional(Type.Boolean()),
          limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
          offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
        },
        { additionalProperties: false },
      ),
      response: {
        200: Type.Object({
          items: Type.Array(Type.Intersect([KeyView, Type.Object({ user_id: Type.String() })])),
          total: Type.Integer(),
          limit: Type.Integer(),
          offset: Type.Integer(),
        }),
        ...errors,
      },
    },
    handler: async (request) => {
      const q = request.query;
      const page = await keys.listAllKeys(request.em, { userId: q.user, provider: q.provider, enabled: q.enabled }, { limit: q.limit, offset: q.offset });
      return { items: page.items.map((k) => ({ ...toKeyView(k), user_id: k.userId })), total: page.total, limit: q.limit, offset: q.offset };
    },
  });

  const byId = Type.Object({ id: Type.String({ format: 'uuid' }) });
  const reasonOf = (body: { reason?: string } | null | undefined) => body?.reason ?? null;

  app.post('/keys/:id/disable', {
    schema: {
      tags: ['admin'],
      summary: "Disable any user's key",
      description: "Disables the key and records that an administrator did, with the optional `reason` shown to the owner. The owner cannot enable it again (their toggle answers 403) until an administrator calls `/enable`.",
      params: byId,
      body: Type.Optional(AdminToggleBody),
      response: { 200: ToggleResult, ...errors, 404: { $ref: 'ErrorBody' } },
    },
    handler: async (request) => keys.setEnabled(request.em, auditContext(request), { id: request.params.id }, false, { reason: reasonOf(request.body) }),
  });

  app.post('/keys/:id/enable', {
    schema: {
      tags: ['admin'],
      summary: "Enable any user's key, lifting an administrator's disable",
      params: byId,
      body: Type.Optional(AdminToggleBody),
      response: { 200: ToggleResult, ...errors, 404: { $ref: 'ErrorBody' } },
    },
    handler: async (request) => keys.setEnabled(request.em, auditContext(request), { id: request.params.id }, true, { reason: reasonOf(request.body) }),
  });
};
