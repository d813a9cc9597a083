import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { LogLevel } from 'fastify';
import { authenticateProxyCallers } from './auth/caller-hook.js';
import { chatRoutes } from './routes/chat.routes.js';
import { lazyChildLoggerFactory } from './support/lazy-child-logger.js';
import { modelsRoutes } from './routes/models.routes.js';
import type { ProxyServices } from './services/proxy-services.js';

export interface ProxyPluginOptions {
  /** Started services (`startProxyServices`); the host closes them after its server closes. */
  services: ProxyServices;
  /**
   * Level of Fastify's per-request lines ("incoming request", "request completed") on these
   * routes. Default `warn`, which keeps them out of an `info` log: at thousands of requests a
   * second they cost more than the proxying. Errors are still logged by the error handler.
   */
  requestLogLevel?: LogLevel;
}

/**
 * The proxy's routes as an encapsulated plugin, to register in any Fastify instance: its own
 * (`buildProxy`) or the API's in standalone mode. It relies on the host for the error handler
 * (`errorHandlerPlugin` from `@byok/http`, which gives both the same error shape) and adds
 * nothing outside its own scope: its body limit and body validator apply to its routes only.
 */
export const proxyPlugin: FastifyPluginAsyncTypebox<ProxyPluginOptions> = async (app, options) => {
  const logLevel = options.requestLogLevel ?? 'warn';
  // Scoped to this plugin: request loggers of the host's own routes are untouched.
  app.setChildLoggerFactory(lazyChildLoggerFactory);
  authenticateProxyCallers(app, options.services.callers);
  await app.register(chatRoutes, { services: options.services, bodyLimitBytes: options.services.deps.config.proxyBodyLimitBytes, logLevel });
  await app.register(modelsRoutes, { services: options.services, logLevel });
};
