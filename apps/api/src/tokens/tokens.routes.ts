import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { auditContext } from '@byok/http';
import { CreatedToken, CreateTokenBody, TokenIdParam, TokenView } from './token.schemas.js';
import type { TokenService } from './token.service.js';
import { toTokenView } from './token-view.js';
import { errorResponses } from '../http/error-responses.js';

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
        'A user holds at most `GATEWAY_TOKENS_PER_USER_MAX` (default 50) usable tokens; one more answers 409 `conflict` until one is revoked or expires. ' +
        'With `org_id` the token acts for that organization on every request (a different `x-byok-org` answers 400 `org_mismatch`); an id of an organization you are not a member of answers 404 `org_not_found`. ' +
        'Deleting the organization revokes its tokens.',
      body: CreateTokenBody,
      response: { 201: CreatedToken, ...errors, 404: { $ref: 'ErrorBody' }, 409: { $ref: 'ErrorBody' } },
    },
    handler: async (request, reply) => {
      const { row, token } = await tokens.create(request.em, auditContext(request), request.principal.userId, {
        name: request.body.name,
        ...(request.body.expires_in_days ? { expiresInDays: request.body.expires_in_days } : {}),
        ...(request.body.org_id === undefined ? {} : { orgId: request.body.org_id }),
      });
      return reply.code(201).header('cache-control', 'no-store').send({ ...toTokenView(row), token });
    },
  });

  app.get('/tokens', {
    schema: { tags: ['tokens'], summary: 'Your gateway tokens (never the tokens themselves)', response: { 200: Type.Object({ tokens: Type.Array(TokenView) }), ...errors } },
    handler: async (request) => ({ tokens: (await tokens.list(request.em, request.principal.userId)).map(toTokenView) }),
  });

  app.delete('/tokens/:id', {
    schema: {
      tags: ['tokens'],
      summary: 'Revoke a gateway token',
      params: TokenIdParam,
      response: { 204: Type.Null({ description: 'Revoked' }), ...errors, 404: { $ref: 'ErrorBody' } },
    },
    handler: async (request, reply) => {
      await tokens.revoke(request.em, auditContext(request), request.principal.userId, request.params.id);
      return reply.code(204).send(null);
    },
  });
};
