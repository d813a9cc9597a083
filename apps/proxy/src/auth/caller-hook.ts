import type { FastifyInstance } from 'fastify';
import type { CallerResolver, ProxyCaller } from './caller-resolver.js';
import { ORG_HEADER } from './org-header.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The proxy's caller, set by `authenticateProxyCallers` before the body is read. */
    proxyCaller: ProxyCaller;
  }
}

/**
 * Resolves the caller in `onRequest`, before Fastify reads and validates the body, so an anonymous
 * client gets 401 without the proxy parsing up to its body limit, and never learns the body's
 * schema. Registered inside the proxy plugin, so it covers the proxy's routes only. A callback
 * hook, not an async one: a caller known from memory (almost every request) costs no promise.
 */
export function authenticateProxyCallers(app: FastifyInstance, callers: CallerResolver): void {
  app.decorateRequest('proxyCaller', undefined as unknown as ProxyCaller);
  app.addHook('onRequest', (request, _reply, done) => {
    const { authorization } = request.headers;
    const orgHeader = request.headers[ORG_HEADER];
    const known = callers.fromMemory(authorization, orgHeader);
    if (known !== undefined) {
      request.proxyCaller = known;
      done();
      return;
    }
    callers.resolve(authorization, orgHeader).then((caller) => {
      request.proxyCaller = caller;
      done();
    }, done);
  });
}
