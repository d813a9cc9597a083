import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { EntityManager, Orm } from '@byok/db';

declare module 'fastify' {
  interface FastifyRequest {
    /** A fresh entity manager per request: no identity map is shared between requests. */
    em: EntityManager;
  }
}

export const ormContextPlugin = fp(
  async (app: FastifyInstance, options: { orm: Orm }) => {
    app.decorateRequest('em', undefined as unknown as EntityManager);
    app.addHook('onRequest', async (request) => {
      request.em = options.orm.em.fork();
    });
  },
  { name: 'byok-orm-context' },
);
