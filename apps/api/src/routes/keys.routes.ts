import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { auditContext } from '@byok/http';
import { CreateKeyBody, KeyView, ProviderParam, ToggleKeyBody, ToggleResult } from '../keys/key.schemas.js';
import { toKeyView } from '../keys/key-view.js';
import type { KeyService } from '../keys/key.service.js';

const errors = { 400: { $ref: 'ErrorBody' }, 401: { $ref: 'ErrorBody' }, 503: { $ref: 'ErrorBody' } } as const;

/** The caller's own keys, under /api/v1/llm/byok. Every route is scoped to the caller's user id. */
export const keysRoutes: FastifyPluginAsyncTypebox<{ keys: KeyService }> = async (app, { keys }) => {
  app.addHook('onRequest', app.authenticate);

  app.post('/keys', {
    schema: {
      tags: ['keys'],
      summary: 'Add or replace your key for a provider',
      description: 'Encrypts the key, stores it (replacing an existing key for the provider) and queues a validation against the provider. The key itself is never returned.',
      body: CreateKeyBody,
      response: { 200: KeyView, 201: KeyView, ...errors, 413: { $ref: 'ErrorBody' } },
    },
    handler: async (request, reply) => {
      const { key, created } = await keys.saveKey(request.em, auditContext(request), {
        userId: request.principal.userId,
        provider: request.body.provider,
        apiKey: request.body.api_key,
        ...(request.body.label !== undefined ? { label: request.body.label } : {}),
        ...(request.body.metadata !== undefined ? { metadata: request.body.metadata } : {}),
        ...(request.body.allow_unrecognized_format !== undefined ? { allowUnrecognizedFormat: request.body.allow_unrecognized_format } : {}),
      });
      return reply.code(created ? 201 : 200).send(toKeyView(key));
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
      description: 'With `{enabled}` sets the state; with no body (or `{}`) flips it. Disabled keys are skipped by routing.',
      params: ProviderParam,
      body: Type.Optional(ToggleKeyBody),
      response: { 200: ToggleResult, ...errors, 404: { $ref: 'ErrorBody' } },
    },
    handler: async (request) => {
      const enabled = request.body && typeof request.body.enabled === 'boolean' ? request.body.enabled : null;
      return keys.setEnabled(request.em, auditContext(request), { userId: request.principal.userId, provider: request.params.provider }, enabled);
    },
  });
};
