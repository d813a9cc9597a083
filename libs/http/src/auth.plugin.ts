import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { requireAdmin, type Principal } from '@byok/auth';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the `authenticate` hook; routes behind it may rely on it. */
    principal: Principal;
  }
  interface FastifyInstance {
    authenticate: onRequestHookHandler;
    requireAdmin: onRequestHookHandler;
  }
}

/** Anything that turns a request into a principal (JWT verifier, gateway-token lookup, ...). */
export type PrincipalResolver = (request: FastifyRequest) => Promise<Principal>;

/**
 * Adds `app.authenticate` and `app.requireAdmin` hooks. Route groups opt in with
 * `onRequest: app.authenticate` so that no protected route can forget it by accident.
 */
export const authPlugin = fp(
  async (app: FastifyInstance, options: { resolvePrincipal: PrincipalResolver }) => {
    app.decorateRequest('principal', undefined as unknown as Principal);
    app.decorate('authenticate', async function authenticate(request: FastifyRequest) {
      request.principal = await options.resolvePrincipal(request);
    });
    app.decorate('requireAdmin', async function adminOnly(request: FastifyRequest) {
      request.principal = await options.resolvePrincipal(request);
      requireAdmin(request.principal);
    });
  },
  { name: 'byok-auth' },
);
