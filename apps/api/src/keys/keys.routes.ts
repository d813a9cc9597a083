import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { auditContext } from '@byok/http';
import { CreateKeyBody, KeyView, LabelQuery, ProviderParam, SaveKeyQuery, ToggleKeyBody, ToggleResult } from './key.schemas.js';
import { SAVE_BODY_SHAPE, TOGGLE_BODY_SHAPE } from './key-body-shapes.js';
import { scopedDescription, scopedParams, type KeyOwnerScope } from './key-owner-scope.js';
import type { KeyHealthLookup } from './key-health-lookup.js';
import { toKeyView } from './key-view.js';
import type { KeyService } from './key.service.js';
import { eagerSerializerCompiler } from '../http/eager-serializer.js';
import { errorResponses } from '../http/error-responses.js';

const baseErrors = errorResponses(400, 401, 503);

const STATUS_OF = { created: 201, replaced: 200, testing: 202 } as const;

export interface KeysRoutesOptions {
  keys: KeyService;
  healthOf: KeyHealthLookup;
  perMinute: number;
  maxKeysPerProvider: number;
  /** Whose keys: the caller's, or an organization's (see key-owner-scope.ts). */
  scope: KeyOwnerScope;
}

const LABEL_NOTE = 'Acts on your key labelled `default`, or on the one `?label=` names (ignoring case); 404 when that key does not exist. Another key of the provider is never chosen in its place.';

/**
 * Key saves and the per-provider routes of the seed API, which act on one labelled key: the
 * caller's own under /api/v1/llm/byok, an organization's under /api/v1/orgs/{org}/byok. Every
 * route acts on the keys of the owner its scope resolves, never on anyone else's.
 */
export const keysRoutes: FastifyPluginAsyncTypebox<KeysRoutesOptions> = async (app, { keys, healthOf, perMinute, maxKeysPerProvider, scope }) => {
  app.addHook('onRequest', app.authenticate);
  // The key save answers its first requests as fast as the rest (#15).
  app.setSerializerCompiler(eagerSerializerCompiler(app.getSchemas()));
  const errors = { ...baseErrors, ...scope.errors };
  const tags = [scope.tag];

  app.post('/keys', {
    config: scope.routeConfig,
    preValidation: SAVE_BODY_SHAPE,
    schema: {
      tags,
      summary: 'Add or replace one of your keys for a provider',
      params: scopedParams(scope, Type.Object({})),
      description: scopedDescription(
        scope,
        'Encrypts the key, stores it and queues a validation against the provider. A key is identified by provider and `label` (ignoring case; `default` when absent): a save replaces the key with its label (200) or adds a new one (201), so a client that never sends a label keeps replacing its one key, and a second key for a provider needs a label. The key itself is never returned.\n\n' +
        `At most ${maxKeysPerProvider} keys per provider: a save that would add one more answers 400 \`too_many_keys\` (replacing a key under its label always works). \`priority\` (1–100, lower first) defaults to after your last key for the provider; \`models\` limits the key to those models (names or \`*\` globs); \`expires_at\` (in the future) says when the key stops working, for reminders before.\n\n` +
        `Each save causes one provider call, so saves share the per-user budget of manual key tests: at most ${perMinute} per minute together. A save past it is refused with 429 and Retry-After, and nothing is stored; a save refused for its input (400) spends nothing.\n\n` +
        "With `test_first=true` and a current key under the label, the new key is tested before it replaces the current one, which keeps working meanwhile: 200 with the new key's view when the provider accepted it; 422 `key_test_failed` when it did not, with the provider's verdict as `error.message` and the current key unchanged; 409 while another replacement is being tested; 202 with the current key's view (its `replacement` set) when the test outlasts the API's wait, after which the replacement is swapped in or dropped by the test. The API never calls the provider itself: the candidate is stored encrypted beside the current key and the key-test worker tests it.",
      ),
      querystring: SaveKeyQuery,
      body: CreateKeyBody,
      response: { 200: KeyView, 201: KeyView, 202: KeyView, ...errors, 409: { $ref: 'ErrorBody' }, 413: { $ref: 'ErrorBody' }, 422: { $ref: 'ErrorBody' }, 429: { $ref: 'ErrorBody' } },
    },
    handler: async (request, reply) => {
      const { key, outcome } = await keys.saveKey(request.em, auditContext(request), {
        userId: await scope.ownerOf(request),
        provider: request.body.provider,
        apiKey: request.body.api_key,
        ...(request.body.label !== undefined ? { label: request.body.label } : {}),
        ...(request.body.description !== undefined ? { description: request.body.description } : {}),
        ...(request.body.priority !== undefined ? { priority: request.body.priority } : {}),
        ...(request.body.models !== undefined ? { models: request.body.models } : {}),
        ...(request.body.metadata !== undefined ? { metadata: request.body.metadata } : {}),
        ...(request.body.expires_at !== undefined ? { expiresAt: request.body.expires_at } : {}),
        ...(request.body.allow_unrecognized_format !== undefined ? { allowUnrecognizedFormat: request.body.allow_unrecognized_format } : {}),
      }, { testFirst: request.query.test_first === true });
      return reply.code(STATUS_OF[outcome]).send(toKeyView(key));
    },
  });

  app.get('/keys/:provider', {
    config: scope.routeConfig,
    schema: {
      tags,
      summary: 'One of your keys for a provider (masked)',
      description: scopedDescription(scope, LABEL_NOTE),
      params: scopedParams(scope, ProviderParam),
      querystring: LabelQuery,
      response: { 200: KeyView, ...errors, 404: { $ref: 'ErrorBody' } },
    },
    handler: async (request) => {
      const key = await keys.getKey(request.em, await scope.ownerOf(request), request.params.provider, request.query.label);
      return toKeyView(key, (await healthOf([key.id])).get(key.id) ?? null);
    },
  });

  app.delete('/keys/:provider', {
    config: scope.routeConfig,
    schema: {
      tags,
      summary: 'Delete one of your keys for a provider',
      description: scopedDescription(scope, LABEL_NOTE),
      params: scopedParams(scope, ProviderParam),
      querystring: LabelQuery,
      response: { 204: Type.Null({ description: 'Deleted' }), ...errors, 404: { $ref: 'ErrorBody' } },
    },
    handler: async (request, reply) => {
      await keys.deleteKey(request.em, auditContext(request), await scope.ownerOf(request), request.params.provider, request.query.label);
      return reply.code(204).send(null);
    },
  });

  app.post('/keys/:provider/toggle', {
    config: scope.routeConfig,
    preValidation: TOGGLE_BODY_SHAPE,
    schema: {
      tags,
      summary: 'Enable or disable one of your keys for a provider',
      description: scopedDescription(
        scope,
        `With \`{enabled}\` sets the state; with no body (or \`{}\`) flips it. Disabled keys are skipped by routing. A key an administrator disabled stays disabled until an administrator enables it: enabling it here answers 403 with when and why (also in the key view as \`admin_disabled\`). ${LABEL_NOTE}`,
      ),
      params: scopedParams(scope, ProviderParam),
      querystring: LabelQuery,
      body: Type.Optional(ToggleKeyBody),
      response: { 200: ToggleResult, ...errors, 403: { $ref: 'ErrorBody' }, 404: { $ref: 'ErrorBody' } },
    },
    handler: async (request) => {
      const enabled = request.body && typeof request.body.enabled === 'boolean' ? request.body.enabled : null;
      return keys.setEnabled(request.em, auditContext(request), { userId: await scope.ownerOf(request), provider: request.params.provider, label: request.query.label }, enabled);
    },
  });
};
