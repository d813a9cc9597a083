import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createFailedAuthThrottle, type ThrottleRedis } from './failed-auth-throttle.js';
import { failedAuthThrottlePlugin } from './failed-auth-throttle.plugin.js';
import { jsonBodyParserPlugin } from './json-body-parser.plugin.js';
import { securityHeadersPlugin } from './security-headers.plugin.js';

export interface HttpHardeningOptions {
  /** PUBLIC_URL: HSTS is sent when it is https. */
  publicUrl: string;
  /** The fail-fast command connection; the failed-authentication counters live there. */
  redis: ThrottleRedis;
  redisPrefix: string;
  authFailures: { maxFailures: number; windowSeconds: number };
}

/**
 * What every HTTP service of the gateway does at its root, whatever its routes: the depth-limited
 * JSON parser, the security headers, and the failed-authentication throttle. The API and the
 * proxy register it once each (in standalone mode the proxy's routes live in the API and share
 * the API's), so both answer bad input and guessing the same way.
 */
export const httpHardeningPlugin = fp(
  async (app: FastifyInstance, options: HttpHardeningOptions) => {
    await app.register(jsonBodyParserPlugin, {});
    await app.register(securityHeadersPlugin, { publicUrl: options.publicUrl });
    const throttle = createFailedAuthThrottle({ redis: options.redis, redisPrefix: options.redisPrefix, ...options.authFailures });
    await app.register(failedAuthThrottlePlugin, { throttle, maxFailures: options.authFailures.maxFailures });
  },
  { name: 'byok-http-hardening' },
);
