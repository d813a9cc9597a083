import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { auditContext } from '@byok/http';
import { errorResponses } from '../http/error-responses.js';
import { BudgetParams, BudgetView, CreateBudgetBody, MAX_BUDGET_THRESHOLDS, UpdateBudgetBody } from './budget.schemas.js';
import type { BudgetService } from './budget.service.js';

const errors = errorResponses(400, 401, 403, 404, 503);
const conflict = errorResponses(409);

const ENFORCEMENT =
  'The proxy checks every budget that applies before it calls a provider and counts a stream as it flows: a request that would pass a limit of a `block` budget ' +
  'is answered 429 with code `budget_exceeded`, a message naming the budget (scope, scope id, period, limit) and `Retry-After` = seconds until the reset; ' +
  'a running stream is cut at the limit. A `key` budget makes its key skip (`budget_exceeded` in the `x-byok-route` receipt) so the pool fails over to the next key. ' +
  'Proxied answers carry `x-byok-budget-remaining` for the tightest budget that applies.';

/** Budgets on requests, tokens and spend per period (#18), under /api/v1/llm. */
export const budgetsRoutes: FastifyPluginAsyncTypebox<{ budgets: BudgetService }> = async (app, { budgets }) => {
  app.addHook('onRequest', app.authenticate);

  app.post('/budgets', {
    schema: {
      tags: ['budgets'],
      summary: 'Create a budget',
      description:
        'Limits requests, tokens and/or spend per day, week or month in `time_zone`. You set budgets on your own requests (`user`), a provider and your keys; ' +
        "an organization's owners and admins set them on the organization, its members and its keys. A key or organization that is not yours is a 404; " +
        `one you are a plain member of, 403. At most ${MAX_BUDGET_THRESHOLDS} thresholds. One budget per scope, scope id and period (409 \`budget_exists\`). ${ENFORCEMENT}`,
      body: CreateBudgetBody,
      response: { 201: BudgetView, ...errors, ...conflict },
    },
    handler: async (request, reply) => reply.code(201).send(await budgets.create(request.em, auditContext(request), request.principal.userId, request.body)),
  });

  app.get('/budgets', {
    schema: {
      tags: ['budgets'],
      summary: 'Your budgets, with use, remaining amounts and reset times',
      description:
        "Yours, those of the organizations you own or administer, and the `org_member` budgets about you. `use` counts this period's requests that reached a provider " +
        '(refused ones count nothing), their prompt plus completion tokens, and their cost at list price in micro-USD, also for requests served by your own keys.',
      response: { 200: Type.Object({ budgets: Type.Array(BudgetView) }), ...errors },
    },
    handler: async (request) => ({ budgets: await budgets.list(request.em, request.principal.userId) }),
  });

  app.get('/budgets/:id', {
    schema: { tags: ['budgets'], summary: 'One budget, with its use this period', params: BudgetParams, response: { 200: BudgetView, ...errors } },
    handler: async (request) => budgets.get(request.em, request.principal.userId, request.params.id),
  });

  app.patch('/budgets/:id', {
    schema: {
      tags: ['budgets'],
      summary: "Change a budget's period, time zone, limits, thresholds or action",
      description: 'Scope and scope id stay (delete the budget and create another to count something else). `limits` replaces all limits. The proxies apply the change before their next request.',
      params: BudgetParams,
      body: UpdateBudgetBody,
      response: { 200: BudgetView, ...errors, ...conflict },
    },
    handler: async (request) => budgets.update(request.em, auditContext(request), request.principal.userId, request.params.id, request.body),
  });

  app.delete('/budgets/:id', {
    schema: { tags: ['budgets'], summary: 'Delete a budget', params: BudgetParams, response: { 204: Type.Null({ description: 'Deleted' }), ...errors } },
    handler: async (request, reply) => {
      await budgets.remove(request.em, auditContext(request), request.principal.userId, request.params.id);
      return reply.code(204).send(null);
    },
  });
};
