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
 * schema. Registered inside the proxy plugin, so it covers the proxy's routes only.
 */
export function authenticateProxyCallers(app: FastifyInstance, callers: CallerResolver): void {
  app.decorateRequest('proxyCaller', undefined as unknown as ProxyCaller);
  app.addHook('onRequest', async (request) => {
    request.proxyCaller = await callers(request.headers.authorization, request.headers[ORG_HEADER]);
  });
}
