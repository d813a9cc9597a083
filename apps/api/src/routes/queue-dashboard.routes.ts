import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import { replyWithError } from '@byok/http';
import type { Producers } from '@byok/queues';

const BASE_PATH = '/admin/queues';

/**
 * The BullMQ job dashboard, admins only. Browsers cannot attach a bearer header to page loads, so
 * the dashboard also accepts the token from the `byok_token` cookie the web page sets.
 */
export async function queueDashboardRoutes(app: FastifyInstance, options: { producers: Producers }): Promise<void> {
  const adapter = new FastifyAdapter();
  createBullBoard({
    queues: [options.producers.keyTests.queue, options.producers.usageEvents.queue, options.producers.maintenance.queue].map((q) => new BullMQAdapter(q)),
    serverAdapter: adapter,
  });
  adapter.setBasePath(BASE_PATH);
  app.addHook('onRequest', async (request) => {
    if (!request.headers.authorization) {
      const token = /(?:^|;\s*)byok_token=([^;]+)/.exec(request.headers.cookie ?? '')?.[1];
      if (token) request.headers.authorization = `Bearer ${decodeURIComponent(token)}`;
    }
  });
  // bull-board installs its own error handler in this scope; answer refusals here, in our shape.
  app.addHook('onRequest', async (request, reply) => {
    try {
      await app.requireAdmin.call(app, request, reply, () => undefined);
    } catch (error) {
      return replyWithError(error, request, reply);
    }
  });
  await app.register(adapter.registerPlugin(), { prefix: BASE_PATH });
}
