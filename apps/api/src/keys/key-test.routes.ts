import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { auditContext } from '@byok/http';
import { KeyIdParam, KeyTestPending, KeyTestResult, LabelQuery, ProviderParam } from './key.schemas.js';
import { errorResponses } from '../http/error-responses.js';
import type { KeyTestAnswer, KeyTestService } from './key-test.service.js';
import { scopedDescription, scopedParams, type KeyOwnerScope } from './key-owner-scope.js';

export interface KeyTestRoutesOptions {
  keyTests: KeyTestService;
  perMinute: number;
  /** Whose keys: the caller's, or an organization's (see key-owner-scope.ts); the budget is the owner's. */
  scope: KeyOwnerScope;
}

/**
 * `POST /keys/{provider}/test` and `POST /keys/by-id/{id}/test`, rate limited per user across every API instance (the service takes
 * from the budget key saves share, see key-test-limiter.ts), answering with the test result or, if
 * the worker is slow, 202 and the job id.
 */
export const keyTestRoutes: FastifyPluginAsyncTypebox<KeyTestRoutesOptions> = async (app, options) => {
  app.addHook('onRequest', app.authenticate);

  const { scope } = options;
  const responses = { 200: KeyTestResult, 202: KeyTestPending, ...errorResponses(400, 401, 404, 429, 503), ...scope.errors };
  const budget = `Queues a validation and waits for it (bounded). At most ${options.perMinute} provider calls per key owner (you, or the organization) per minute, shared with key saves (each save tests the key): past it, 429 with Retry-After.`;

  app.post('/keys/:provider/test', {
    config: scope.routeConfig,
    schema: {
      tags: [scope.tag],
      summary: 'Test one of your keys against the provider now',
      description: scopedDescription(scope, `${budget} Tests your key labelled \`default\`, or the one \`?label=\` names; an unknown provider (400) or a missing key (404) spends nothing.`),
      params: scopedParams(scope, ProviderParam),
      querystring: LabelQuery,
      response: responses,
    },
    handler: async (request, reply) => {
      const target = { provider: request.params.provider, label: request.query.label };
      return send(reply, await options.keyTests.testKey(request.em, auditContext(request), await scope.ownerOf(request), target));
    },
  });

  app.post('/keys/by-id/:id/test', {
    config: scope.routeConfig,
    schema: {
      tags: [scope.tag],
      summary: 'Test one of your keys by id against the provider now',
      description: scopedDescription(scope, `${budget} A malformed id (400) or an id that is not one of your keys (404, another user's included) spends nothing.`),
      params: scopedParams(scope, KeyIdParam),
      response: responses,
    },
    handler: async (request, reply) => send(reply, await options.keyTests.testKey(request.em, auditContext(request), await scope.ownerOf(request), { id: request.params.id })),
  });
};

/** 200 with the result, or 202 with the job id when the worker outlasted the wait. */
function send(reply: FastifyReply, answer: KeyTestAnswer) {
  if (!answer.done) {
    return reply.code(202).send({ job_id: answer.job_id, status: 'testing', message: 'The test is still running; GET /keys shows the result when it lands.' });
  }
  const { done: _done, ...result } = answer;
  return reply.code(200).send(result);
}
