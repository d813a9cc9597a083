import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { Orm } from '@byok/db';
import type { Redis } from 'ioredis';

const CHECK_TIMEOUT_MS = 1500;

const ReadyBody = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable')]),
  checks: Type.Object({ postgres: Type.Boolean(), redis: Type.Boolean() }),
});

/** Liveness says the process runs; readiness says its dependencies answer (load balancers use it). */
export const healthRoutes: FastifyPluginAsyncTypebox<{ orm: Orm; redis: Redis }> = async (app, { orm, redis }) => {
  app.get('/healthz', {
    schema: { tags: ['health'], summary: 'Liveness', security: [], response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
    handler: async () => ({ status: 'ok' as const }),
  });

  app.get('/readyz', {
    schema: { tags: ['health'], summary: 'Readiness: Postgres and Redis reachable', security: [], response: { 200: ReadyBody, 503: ReadyBody } },
    handler: async (_request, reply) => {
      const [postgres, redisOk] = await Promise.all([
        probe(() => orm.em.fork().execute('SELECT 1')),
        probe(() => redis.ping()),
      ]);
      const ready = postgres && redisOk;
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', checks: { postgres, redis: redisOk } });
    },
  });
};

async function probe(check: () => Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS);
      }),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
