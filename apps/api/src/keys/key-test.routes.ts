import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { auditContext } from '@byok/http';
import { KeyTestPending, KeyTestResult, ProviderParam } from './key.schemas.js';
import { errorResponses } from '../http/error-responses.js';
import type { KeyTestService } from './key-test.service.js';

export interface KeyTestRoutesOptions {
  keyTests: KeyTestService;
  perMinute: number;
}

/**
 * `POST /keys/{provider}/test`, rate limited per user across every API instance (the service takes
 * from the budget key saves share, see key-test-limiter.ts), answering with the test result or, if
 * the worker is slow, 202 and the job id.
 */
export const keyTestRoutes: FastifyPluginAsyncTypebox<KeyTestRoutesOptions> = async (app, options) => {
  app.addHook('onRequest', app.authenticate);

  app.post('/keys/:provider/test', {
    schema: {
      tags: ['keys'],
      summary: 'Test your key against the provider now',
      description: `Queues a validation and waits for it (bounded). At most ${options.perMinute} provider calls per user per minute, shared with key saves (each save tests the key): past it, 429 with Retry-After. An unknown provider (400) or a missing key (404) spends nothing.`,
      params: ProviderParam,
      response: {
        200: KeyTestResult,
        202: KeyTestPending,
        ...errorResponses(400, 401, 404, 429, 503),
      },
    },
    handler: async (request, reply) => {
      const answer = await options.keyTests.testKey(request.em, auditContext(request), request.principal.userId, request.params.provider);
      if (!answer.done) {
        return reply.code(202).send({ job_id: answer.job_id, status: 'testing', message: 'The test is still running; GET /keys shows the result when it lands.' });
      }
      const { done: _done, ...result } = answer;
      return reply.code(200).send(result);
    },
  });
};
