import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { auditContext } from '@byok/http';
import { CreateKeyBody, KeyView, ProviderParam, SaveKeyQuery, ToggleKeyBody, ToggleResult } from './key.schemas.js';
import { toKeyView } from './key-view.js';
import type { KeyService } from './key.service.js';
import { errorResponses } from '../http/error-responses.js';

const errors = errorResponses(400, 401, 503);

const STATUS_OF = { created: 201, replaced: 200, testing: 202 } as const;

/** The caller's own keys, under /api/v1/llm/byok. Every route is scoped to the caller's user id. */
export const keysRoutes: FastifyPluginAsyncTypebox<{ keys: KeyService; perMinute: number }> = async (app, { keys, perMinute }) => {
  app.addHook('onRequest', app.authenticate);

  app.post('/keys', {
    schema: {
      tags: ['keys'],
      summary: 'Add or replace your key for a provider',
      description:
        'Encrypts the key, stores it (replacing an existing key for the provider) and queues a validation against the provider: 201 for a new key, 200 for a replacement. The key itself is never returned.\n\n' +
        `Each save causes one provider call, so saves share the per-user budget of manual key tests: at most ${perMinute} per minute together. A save past it is refused with 429 and Retry-After, and nothing is stored; a save refused for its input (400) spends nothing.\n\n` +
        "With `test_first=true` and a current key, the new key is tested before it replaces the current one, which keeps working meanwhile: 200 with the new key's view when the provider accepted it; 422 `key_test_failed` when it did not, with the provider's verdict as `error.message` and the current key unchanged; 409 while another replacement is being tested; 202 with the current key's view (its `replacement` set) when the test outlasts the API's wait, after which the replacement is swapped in or dropped by the test. The API never calls the provider itself: the candidate is stored encrypted beside the current key and the key-test worker tests it.",
      querystring: SaveKeyQuery,
      body: CreateKeyBody,
      response: { 200: KeyView, 201: KeyView, 202: KeyView, ...errors, 409: { $ref: 'ErrorBody' }, 413: { $ref: 'ErrorBody' }, 422: { $ref: 'ErrorBody' }, 429: { $ref: 'ErrorBody' } },
    },
    handler: async (request, reply) => {
      const { key, outcome } = await keys.saveKey(request.em, auditContext(request), {
        userId: request.principal.userId,
        provider: request.body.provider,
        apiKey: request.body.api_key,
        ...(request.body.label !== undefined ? { label: request.body.label } : {}),
        ...(request.body.metadata !== undefined ? { metadata: request.body.metadata } : {}),
        ...(request.body.allow_unrecognized_format !== undefined ? { allowUnrecognizedFormat: request.body.allow_unrecognized_format } : {}),
      }, { testFirst: request.query.test_first === true });
      return reply.code(STATUS_OF[outcome]).send(toKeyView(key));
    },
  });

  app.get('/keys', {
    schema: {
      tags: ['keys'],
      summary: 'List your keys (masked)',
      response: { 200: Type.Object({ keys: Type.Array(KeyView) }), ...errors },
    },
    handler: async (request) => {
      const rows = await keys.listKeys(request.em, request.principal.userId);
      return { keys: rows.map(toKeyView) };
    },
  });

  app.get('/keys/:provider', {
    schema: {
      tags: ['keys'],
      summary: 'Your key for one provider (masked)',
      params: ProviderParam,
      response: { 200: KeyView, ...errors, 404: { $ref: 'ErrorBody' } },
    },
    handler: async (request) => toKeyView(await keys.getKey(request.em, request.principal.userId, request.params.provider)),
  });

  app.delete('/keys/:provider', {
    schema: {
      tags: ['keys'],
      summary: 'Delete your key for a provider',
      params: ProviderParam,
      response: { 204: Type.Null({ description: 'Deleted' }), ...errors, 404: { $ref: 'ErrorBody' } },
    },
    handler: async (request, reply) => {
      await keys.deleteKey(request.em, auditContext(request), request.principal.userId, request.params.provider);
      return reply.code(204).send(null);
    },
  });

  app.post('/keys/:provider/toggle', {
    schema: {
      tags: ['keys'],
      summary: 'Enable or disable your key for a provider',
      description:
        'With `{enabled}` sets the state; with no body (or `{}`) flips it. Disabled keys are skipped by routing. A key an administrator disabled stays disabled until an administrator enables it: enabling it here answers 403 with when and why (also in the key view as `admin_disabled`).',
      params: ProviderParam,
      body: Type.Optional(ToggleKeyBody),
      response: { 200: ToggleResult, ...errors, 403: { $ref: 'ErrorBody' }, 404: { $ref: 'ErrorBody' } },
    },
    handler: async (request) => {
      const enabled = request.body && typeof request.body.enabled === 'boolean' ? request.body.enabled : null;
      return keys.setEnabled(request.em, auditContext(request), { userId: request.principal.userId, provider: request.params.provider }, enabled);
    },
  });
};
