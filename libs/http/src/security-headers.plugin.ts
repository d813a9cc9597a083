import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** One year, the value HSTS preload lists ask for. */
const HSTS_MAX_AGE_SECONDS = 31_536_000;

/**
 * Headers every response carries, whatever produced it (routes, errors, 404s, static files, the
 * docs and the job dashboard): `X-Content-Type-Options: nosniff`, so a browser never runs a JSON
 * or text answer as a script or page, and, when the service is reached over https, HSTS, so a
 * browser never again tries it over plain http. HSTS is not sent on an http deployment: it would
 * be ignored there and would lock out a later plain-http setup on the same host.
 */
export const securityHeadersPlugin = fp(
  async (app: FastifyInstance, options: { publicUrl: string }) => {
    const hsts = new URL(options.publicUrl).protocol === 'https:' ? `max-age=${HSTS_MAX_AGE_SECONDS}; includeSubDomains` : undefined;
    // onRequest rather than onSend: streamed answers (the proxy's SSE) take over the raw response
    // and write the headers set so far themselves, without going through onSend. A callback hook:
    // an async one costs a promise and a microtask on every request.
    app.addHook('onRequest', (_request, reply, done) => {
      reply.header('x-content-type-options', 'nosniff');
      if (hsts !== undefined) reply.header('strict-transport-security', hsts);
      done();
    });
  },
  { name: 'byok-security-headers' },
);
