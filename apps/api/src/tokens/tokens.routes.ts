import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { GatewayTokenRow } from '@byok/db';
import { auditContext, WellFormedString } from '@byok/http';
import type { TokenService } from './token.service.js';
import { errorResponses } from '../http/error-responses.js';

const TokenView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    prefix: Type.String({ description: 'The first characters of the token, to tell tokens apart.' }),
    created_at: Type.String({ format: 'date-time' }),
    last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    revoked_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'GatewayToken' },
);

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
function toView(row: GatewayTokenRow) {
  return {
    id: row.id,
    name: row.name,
    prefix: row.tokenPrefix,
    created_at: new Date(row.createdAt).toISOString(),
    last_used_at: iso(row.lastUsedAt),
    expires_at: iso(row.expiresAt),
    revoked_at: iso(row.revokedAt),
  };
}

const errors = errorResponses(400, 401, 503);

/** Personal tokens for OpenAI-compatible clients, under /api/v1/llm. */
export const tokensRoutes: FastifyPluginAsyncTypebox<{ tokens: TokenService }> = async (app, { tokens }) => {
  app.addHook('onRequest', app.authenticate);

  app.post('/tokens', {
    schema: {
      tags: ['tokens'],
      summary: 'Create a personal gateway token',
      description:
        'The token is in this response only; store it now. Use it as the API key of any OpenAI-compatible client pointed at the proxy. ' +
        'A user holds at most `GATEWAY_TOKENS_PER_USER_MAX` (default 50) usable tokens; one more answers 409 `conflict` until one is revoked or expires.',
      body: Type.Object(
        {
          name: WellFormedString({ minLength: 1, maxLength: 100, description: 'A label to tell your tokens apart.' }),
          expires_in_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
        },
        { additionalProperties: false },
      ),
      response: { 201: Type.Intersect([TokenView, Type.Object({ token: Type.String() })]), ...errors, 409: { $ref: 'ErrorBody' } },
    },
    handler: async (request, reply) => {
      const { row, token } = await tokens.create(request.em, auditContext(request), request.principal.userId, {
        name: request.body.name,
        ...(request.body.expires_in_days ? { expiresInDays: request.body.expires_in_days } : {}),
      });
      return reply.code(201).header('cache-control', 'no-store').send({ ...toView(row), token });
    },
  });

  app.get('/tokens', {
    schema: { tags: ['tokens'], summary: 'Your gateway tokens (never the tokens themselves)', response: { 200: Type.Object({ tokens: Type.Array(TokenView) }), ...errors } },
    handler: async (request) => ({ tokens: (await tokens.list(request.em, request.principal.userId)).map(toView) }),
  });

  app.delete('/tokens/:id', {
    schema: {
      tags: ['tokens'],
      summary: 'Revoke a gateway token',
      params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
      response: { 204: Type.Null({ description: 'Revoked' }), ...errors, 404: { $ref: 'ErrorBody' } },
    },
    handler: async (request, reply) => {
      await tokens.revoke(request.em, auditContext(request), request.principal.userId, request.params.id);
      return reply.code(204).send(null);
    },
  });
};
