import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { auditContext } from '@byok/http';
import { CreditsView, GrantBody, GrantHeaders, GrantResult } from './credits.schemas.js';
import type { CreditsService } from './credits.service.js';
import { adminOnly } from '../http/caller-scope.js';
import { errorResponses } from '../http/error-responses.js';

const errors = errorResponses(400, 401, 503);

/** Credits, registered under /api/v1: the caller's balance, and grants by admins. */
export const creditsRoutes: FastifyPluginAsyncTypebox<{ credits: CreditsService }> = async (app, { credits }) => {
  app.addHook('onRequest', app.authenticate);

  app.get('/credits', {
    schema: {
      tags: ['credits'],
      summary: 'Your credit balance and recent ledger',
      description: 'Credits pay for requests that go through the platform key (at provider cost: one credit per dollar). BYOK requests cost none.',
      response: { 200: CreditsView, ...errors },
    },
    handler: async (request) => credits.balance(request.em, request.principal.userId),
  });

  app.post('/admin/credits/grant', {
    onRequest: adminOnly,
    schema: {
      tags: ['admin', 'credits'],
      summary: 'Grant credits to a user (admins)',
      description:
        "Adds credits to the user's balance and writes a `credits.granted` audit record in the same transaction. Returns the balance right after the grant. Send an `Idempotency-Key` to make retries safe: a grant with a key already used answers the first grant's result with `idempotent-replayed: true` and changes nothing; the same key with a different user or amount is refused with 409.",
      headers: GrantHeaders,
      body: GrantBody,
      response: { 200: GrantResult, ...errors, 403: { $ref: 'ErrorBody' }, 409: { $ref: 'ErrorBody' }, 413: { $ref: 'ErrorBody' } },
    },
    handler: async (request, reply) => {
      const { body } = request;
      const idempotencyKey = request.headers['idempotency-key'];
      const outcome = await credits.grant(request.em, auditContext(request), {
        userId: body.user,
        amount: body.amount,
        reason: body.reason,
        ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
      });
      if (outcome.replayed) reply.header('idempotent-replayed', 'true');
      return outcome.result;
    },
  });
};
