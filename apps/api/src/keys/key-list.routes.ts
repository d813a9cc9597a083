import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { ProviderKey } from '@byok/db';
import { eagerSerializerCompiler } from '../http/eager-serializer.js';
import { errorResponses } from '../http/error-responses.js';
import { KeyView } from './key.schemas.js';
import type { KeyHealthLookup } from './key-health-lookup.js';
import type { KeyService } from './key.service.js';
import { toKeyView } from './key-view.js';

export interface KeyListRoutesOptions {
  keys: KeyService;
  healthOf: KeyHealthLookup;
}

export const KEY_LIST_DESCRIPTION =
  "Each provider's keys in priority order, each with its `health` as the proxies found it lately (null when the health store does not answer; the listing itself still answers).";

/** The owner's keys as views, each with its health (null where the health store did not answer). */
export async function keyViewsWithHealth(rows: readonly ProviderKey[], healthOf: KeyHealthLookup): Promise<KeyView[]> {
  const health = await healthOf(rows.map((row) => row.id));
  return rows.map((row) => toKeyView(row, health.get(row.id) ?? null));
}

/** `GET /keys`: the caller's own keys, masked (an organization's listing is in org-keys/). */
export const keyListRoutes: FastifyPluginAsyncTypebox<KeyListRoutesOptions> = async (app, { keys, healthOf }) => {
  app.addHook('onRequest', app.authenticate);
  // The key list answers its first requests as fast as the rest (#15).
  app.setSerializerCompiler(eagerSerializerCompiler(app.getSchemas()));

  app.get('/keys', {
    schema: {
      tags: ['keys'],
      summary: 'List your keys (masked)',
      description: KEY_LIST_DESCRIPTION,
      response: { 200: Type.Object({ keys: Type.Array(KeyView) }), ...errorResponses(400, 401, 503) },
    },
    handler: async (request) => ({ keys: await keyViewsWithHealth(await keys.listKeys(request.em, request.principal.userId), healthOf) }),
  });
};
