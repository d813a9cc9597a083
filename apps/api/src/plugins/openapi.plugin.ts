import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ErrorBodySchema } from '@byok/http';

export interface OpenApiPluginOptions {
  publicUrl: string;
  /**
   * Whether /docs, /docs/json and /docs/yaml need a signed-in caller (a bearer token). On in
   * production unless API_DOCS_PUBLIC=true: the document maps every route and parameter, which
   * an operator may not want to hand to anyone who asks.
   */
  requireSignIn: boolean;
}

/** OpenAPI generated from the route schemas, served at /docs (UI) and /docs/json. */
export const openApiPlugin = fp(
  async (app: FastifyInstance, options: OpenApiPluginOptions) => {
    app.addSchema(ErrorBodySchema);
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'BYOK Gateway API',
          version: '0.1.0',
          description:
            'Bring your own provider keys: store them encrypted, test them, and see how they are used. ' +
            'After repeated invalid credentials from one client address (AUTH_FAILURE_LIMIT per AUTH_FAILURE_WINDOW_SECONDS), ' +
            'every request of that address that carries credentials answers 429 `rate_limited` with `Retry-After` until the window ends. ' +
            'JSON bodies may nest at most 128 levels (deeper: 400 `invalid_json`).',
        },
        servers: [{ url: options.publicUrl }],
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
        security: [{ bearer: [] }],
      },
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    });
    await app.register(swaggerUi, { routePrefix: '/docs', ...(options.requireSignIn ? { uiHooks: { onRequest: app.authenticate } } : {}) });
  },
  { name: 'byok-openapi' },
);
