import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController } from 'fastify';
import { errorHandlerPlugin, httpHardeningPlugin, requestIdFrom } from '@byok/http';
import { proxyPlugin } from './proxy.plugin.js';
import type { ProxyDependencies } from './services/proxy-dependencies.js';
import { checkProxyReadiness, ProxyReadinessSchema } from './services/proxy-readiness.js';
import { type ProxyServices, type ProxyServicesOptions, startProxyServices } from './services/proxy-services.js';

export interface BuildProxyOptions extends ProxyServicesOptions {
  /** Already started services to use (and not close); by default the proxy starts its own. */
  services?: ProxyServices;
}

/**
 * The proxy as its own Fastify instance, unstarted (tests `inject` or `listen`): the shared error
 * handler, liveness (`/healthz`: the process answers) and readiness (`/readyz`: what it can serve,
 * see `proxy-readiness.ts`), and `proxyPlugin`. Services it started itself are closed by
 * `app.close()` after the server has stopped taking requests and in-flight ones have ended.
 */
export async function buildProxy(deps: ProxyDependencies, options: BuildProxyOptions = {}) {
  const services = options.services ?? (await startProxyServices(deps, options));
  const app = Fastify({
    loggerInstance: deps.logger,
    // The proxy logs failures, not every request (see `proxyPlugin`'s `requestLogLevel`).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.config.proxyBodyLimitBytes,
    genReqId: requestIdFrom,
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  await app.register(errorHandlerPlugin);
  await app.register(httpHardeningPlugin, { publicUrl: deps.config.publicUrl, redis: deps.redis, redisPrefix: deps.config.redisPrefix, authFailures: deps.config.authFailures });
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' as const }));
  app.get('/readyz', { logLevel: 'warn', schema: { response: { 200: ProxyReadinessSchema, 503: ProxyReadinessSchema } } }, async (_request, reply) => {
    const readiness = await checkProxyReadiness({
      orm: deps.orm,
      redis: deps.redis,
      state: () => ({ cachedUsers: services.routes.size, cachedTokens: services.tokens.size, usageSpilledFiles: services.usage.spilledSegments ?? 0 }),
    });
    return reply.code(readiness.status === 'unavailable' ? 503 : 200).send(readiness);
  });
  await app.register(proxyPlugin, { services });
  if (options.services === undefined) app.addHook('onClose', () => services.close());
  return app;
}
