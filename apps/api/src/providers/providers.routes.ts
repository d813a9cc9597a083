import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { listProviders } from '@byok/providers';

const ProviderView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  recommended: Type.Boolean(),
  key_format: Type.Object({ pattern: Type.String(), hint: Type.String(), example: Type.String(), known_prefix: Type.String() }),
  model_prefixes: Type.Array(Type.String()),
  signup_url: Type.String(),
  docs_url: Type.String(),
});

/**
 * The eight providers as data; public details only (what a key looks like, where to get one).
 * Public, as in the earlier system, whose health checks call it without credentials: it holds
 * nothing about any user.
 */
export const providersRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const body = {
    providers: listProviders().map((p) => ({
      id: p.id,
      name: p.displayName,
      description: p.description,
      recommended: p.recommended,
      key_format: { pattern: p.keyFormat.pattern.source, hint: p.keyFormat.hint, example: p.keyFormat.example, known_prefix: p.keyFormat.knownPrefix },
      model_prefixes: [...p.explicitPrefixes, ...p.barePrefixes],
      signup_url: p.signupUrl,
      docs_url: p.docsUrl,
    })),
  };
  app.get('/providers', {
    schema: {
      tags: ['providers'],
      summary: 'The supported providers',
      description: 'Public (no sign-in): the catalogue holds no user data, and health checks of the earlier system call it without credentials.',
      security: [],
      response: { 200: Type.Object({ providers: Type.Array(ProviderView) }) },
    },
    handler: async () => body,
  });
};
