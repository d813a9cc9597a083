import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { Orm } from '@byok/db';
import { probeDependencies, readinessHttpStatus, readinessOf } from '@byok/runtime';
import type { Redis } from 'ioredis';

const CheckState = Type.Union([Type.Literal('ok'), Type.Literal('down')]);
const ReadyBody = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('down')]),
    checks: Type.Object({ postgres: CheckState, redis: CheckState }),
  },
  { description: '`ok`: everything works. `degraded`: Redis is unreachable; keys, usage and audit reads still work, but saves, key tests and rate-limited routes answer 503. `down`: Postgres is unreachable; nothing but this probe works.' },
);

/**
 * Liveness says the process runs; readiness says what it can serve. The API needs Postgres for
 * everything; without Redis it still serves reads, so a Redis outage is `degraded` (200), not a
 * reason for a load balancer to take every instance out.
 */
export const healthRoutes: FastifyPluginAsyncTypebox<{ orm: Orm; redis: Redis }> = async (app, { orm, redis }) => {
  app.get('/healthz', {
    schema: { tags: ['health'], summary: 'Liveness', security: [], response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
    handler: async () => ({ status: 'ok' as const }),
  });

  app.get('/readyz', {
    schema: {
      tags: ['health'],
      summary: 'Readiness: 200 ok or degraded (Redis away, reads still served), 503 down (Postgres away)',
      security: [],
      response: { 200: ReadyBody, 503: ReadyBody },
    },
    handler: async (_request, reply) => {
      const readiness = readinessOf(await probeDependencies({ orm, redis }), ['postgres']);
      return reply.code(readinessHttpStatus(readiness)).send(readiness);
    },
  });
};
