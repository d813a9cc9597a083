import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { auditContext } from '@byok/http';
import {
  CreatedWebhookView,
  CreateWebhookBody,
  DEFAULT_DELIVERY_PAGE,
  DeliveriesPage,
  DeliveriesQuery,
  DeliveryParams,
  DeliveryView,
  UpdateWebhookBody,
  WebhookParams,
  WebhookView,
} from './webhook.schemas.js';
import { MAX_WEBHOOKS_PER_USER, WEBHOOK_TESTS_PER_MINUTE, type WebhookService } from './webhook.service.js';
import { toDeliveryView, toWebhookView } from './webhook-view.js';
import { errorResponses } from '../http/error-responses.js';

const errors = errorResponses(400, 401, 404, 503);
const conflict = errorResponses(409);

/** The caller's webhooks and their delivery logs, under /api/v1. */
export const webhooksRoutes: FastifyPluginAsyncTypebox<{ webhooks: WebhookService }> = async (app, { webhooks }) => {
  app.addHook('onRequest', app.authenticate);

  app.post('/webhooks', {
    schema: {
      tags: ['webhooks'],
      summary: 'Create a webhook',
      description:
        'Events of the listed types are POSTed to `url` as JSON with `x-byok-event`, `x-byok-delivery` and `x-byok-signature` headers, retried with exponential backoff for 24 hours until the receiver answers 2xx. ' +
        `The signing secret (\`whsec_…\`) is in this response only. At most ${MAX_WEBHOOKS_PER_USER} webhooks per user (409 beyond).`,
      body: CreateWebhookBody,
      response: { 201: CreatedWebhookView, ...errors, ...conflict },
    },
    handler: async (request, reply) => {
      const { webhook, secret } = await webhooks.create(request.em, auditContext(request), request.principal.userId, request.body);
      return reply.code(201).header('cache-control', 'no-store').send({ ...toWebhookView(webhook), secret });
    },
  });

  app.get('/webhooks', {
    schema: { tags: ['webhooks'], summary: 'Your webhooks (never their secrets)', response: { 200: Type.Object({ webhooks: Type.Array(WebhookView) }), ...errors } },
    handler: async (request) => ({ webhooks: (await webhooks.list(request.em, request.principal.userId)).map(toWebhookView) }),
  });

  app.get('/webhooks/:id', {
    schema: { tags: ['webhooks'], summary: 'One of your webhooks', params: WebhookParams, response: { 200: WebhookView, ...errors } },
    handler: async (request) => toWebhookView(await webhooks.get(request.em, request.principal.userId, request.params.id)),
  });

  app.patch('/webhooks/:id', {
    schema: {
      tags: ['webhooks'],
      summary: 'Change a webhook’s URL, events or enabled state',
      description: 'The secret stays. Deliveries already queued go to the URL saved when they are attempted; disabling closes queued ones unsent.',
      params: WebhookParams,
      body: UpdateWebhookBody,
      response: { 200: WebhookView, ...errors },
    },
    handler: async (request) => toWebhookView(await webhooks.update(request.em, auditContext(request), request.principal.userId, request.params.id, request.body)),
  });

  app.delete('/webhooks/:id', {
    schema: { tags: ['webhooks'], summary: 'Delete a webhook and its delivery log', params: WebhookParams, response: { 204: Type.Null({ description: 'Deleted' }), ...errors } },
    handler: async (request, reply) => {
      await webhooks.remove(request.em, auditContext(request), request.principal.userId, request.params.id);
      return reply.code(204).send(null);
    },
  });

  app.get('/webhooks/:id/deliveries', {
    schema: {
      tags: ['webhooks'],
      summary: 'The webhook’s delivery log, newest first',
      description: 'Every delivery with its attempts, the last answer (status and first 1 KB) or error, and when it is tried next. Cursor pages of `limit`.',
      params: WebhookParams,
      querystring: DeliveriesQuery,
      response: { 200: DeliveriesPage, ...errors },
    },
    handler: async (request) => {
      const page = await webhooks.deliveries(request.em, request.principal.userId, request.params.id, {
        limit: request.query.limit ?? DEFAULT_DELIVERY_PAGE,
        ...(request.query.cursor !== undefined ? { cursor: request.query.cursor } : {}),
      });
      return { deliveries: page.deliveries.map(toDeliveryView), next_cursor: page.nextCursor };
    },
  });

  app.post('/webhooks/:id/deliveries/:deliveryId/redeliver', {
    schema: {
      tags: ['webhooks'],
      summary: 'Send a delivery again',
      description: 'Queues the same delivery (same id and body, a fresh signature) with a fresh 24-hour retry window, whatever its state. 409 while an attempt of it is running.',
      params: DeliveryParams,
      response: { 202: DeliveryView, ...errors, ...conflict },
    },
    handler: async (request, reply) => {
      const delivery = await webhooks.redeliver(request.em, request.principal.userId, request.params.id, request.params.deliveryId);
      return reply.code(202).send(toDeliveryView(delivery));
    },
  });

  app.post('/webhooks/:id/test', {
    schema: {
      tags: ['webhooks'],
      summary: 'Send a test event',
      description:
        'Queues an event of type `test` to this webhook, whatever it subscribes to; follow it in the delivery log. 409 when the webhook is disabled. ' +
        `At most ${WEBHOOK_TESTS_PER_MINUTE} per webhook per minute: past it, 429 with Retry-After.`,
      params: WebhookParams,
      response: { 202: DeliveryView, ...errors, ...conflict, ...errorResponses(429) },
    },
    handler: async (request, reply) => reply.code(202).send(toDeliveryView(await webhooks.sendTest(request.em, request.principal.userId, request.params.id))),
  });
};
