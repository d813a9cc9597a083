/**
 * The yardstick of the proxy benchmark: "as fast as Node allows". A bare Fastify route that
 * forwards the parsed JSON body to one fixed upstream with undici (one keep-alive pool, like the
 * proxy's) and streams the answer back unchanged. No auth, no routing, no validation, no
 * translation, no usage accounting: everything the proxy does beyond this is its own cost.
 */
import Fastify from 'fastify';
import { Pool } from 'undici';

export interface PassthroughOptions {
  /** Full URL of the upstream chat endpoint, e.g. `http://127.0.0.1:8090/openai/v1/chat/completions`. */
  upstreamUrl: string;
  /** Sent as `Authorization: Bearer …` (the pass-through holds one key, as the proxy holds the user's). */
  apiKey: string;
  connections: number;
}

export async function buildMinimalPassthrough(options: PassthroughOptions) {
  const upstream = new URL(options.upstreamUrl);
  const pool = new Pool(upstream.origin, { connections: options.connections, pipelining: 1, keepAliveTimeout: 30_000 });
  const authorization = `Bearer ${options.apiKey}`;
  const app = Fastify({ bodyLimit: 10 * 1024 * 1024 });
  app.post('/v1/chat/completions', async (request, reply) => {
    const res = await pool.request({
      path: upstream.pathname,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify(request.body),
    });
    reply.code(res.statusCode);
    const type = res.headers['content-type'];
    if (typeof type === 'string') reply.header('content-type', type);
    return reply.send(res.body);
  });
  app.addHook('onClose', () => pool.close());
  return app;
}
