import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AuthError } from '@byok/auth';
import { AppError } from './app-error.js';
import type { FailedAuthThrottle } from './failed-auth-throttle.js';

/**
 * Throttles guessing: once a client address has presented `maxFailures` invalid credentials in a
 * window, every request of it that carries credentials is refused with 429 and `Retry-After`
 * until the window ends, valid or not (answering a right guess differently would still let the
 * guessing go on). Requests without credentials (health checks, the public catalogue) pass.
 *
 * Failures are counted from the errors themselves (`onError`), so any authentication in any
 * route of the instance, the API's hook or the proxy's, is covered without knowing about it.
 * Only `invalid_token` counts: an expired token or a missing header is not a guess. When Redis
 * is away the throttle is skipped (logged), so an outage of the counter never locks users out.
 */
export const failedAuthThrottlePlugin = fp(
  async (app: FastifyInstance, options: { throttle: FailedAuthThrottle; maxFailures: number }) => {
    if (options.maxFailures === 0) return;
    const { throttle } = options;
    // A callback hook: an address that never failed here (every honest client) passes without a
    // promise, and only a suspect's request waits for Redis.
    app.addHook('onRequest', (request, _reply, done) => {
      if (!carriesCredentials(request) || !throttle.isSuspect(request.ip)) {
        done();
        return;
      }
      throttle.blockedForSeconds(request.ip).then(
        (seconds) => done(seconds > 0 ? throttled(seconds) : undefined),
        (err: unknown) => {
          request.log.warn({ err }, 'failed-authentication throttle unavailable; not throttling');
          done();
        },
      );
    });
    app.addHook('onError', async (request, _reply, error) => {
      if (!(error instanceof AuthError) || error.code !== 'invalid_token') return;
      await throttle.recordFailure(request.ip).catch((err: unknown) => request.log.warn({ err }, 'could not count a failed authentication'));
    });
  },
  { name: 'byok-failed-auth-throttle' },
);

function throttled(seconds: number): AppError {
  return new AppError('rate_limited', `Too many failed authentication attempts from this address; try again in ${seconds} s`, { headers: { 'retry-after': String(seconds) } });
}

function carriesCredentials(request: FastifyRequest): boolean {
  return request.headers.authorization !== undefined || /(?:^|;\s*)byok_/.test(request.headers.cookie ?? '');
}
