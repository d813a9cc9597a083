import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { AuthError } from '@byok/auth';
import { errorHandlerPlugin } from './error-handler.plugin.js';
import type { FailedAuthThrottle } from './failed-auth-throttle.js';
import { failedAuthThrottlePlugin } from './failed-auth-throttle.plugin.js';

/** An app whose one route fails authentication with `code`, behind the throttle. */
async function appWith(throttle: FailedAuthThrottle, code: 'invalid_token' | 'token_expired' | 'missing_credentials' = 'invalid_token') {
  const app = Fastify();
  await app.register(errorHandlerPlugin);
  await app.register(failedAuthThrottlePlugin, { throttle, maxFailures: 2 });
  app.get('/protected', async () => {
    throw new AuthError(code, 'refused');
  });
  app.get('/public', async () => ({ ok: true }));
  return app;
}

/** An in-memory throttle with the Redis one's semantics, counting what it is told. */
function memoryThrottle(): FailedAuthThrottle & { failures: Map<string, number>; asked: number } {
  const failures = new Map<string, number>();
  return {
    failures,
    asked: 0,
    isSuspect: (address) => failures.has(address),
    async blockedForSeconds(address) {
      this.asked++;
      return (failures.get(address) ?? 0) >= 2 ? 42 : 0;
    },
    async recordFailure(address) {
      failures.set(address, (failures.get(address) ?? 0) + 1);
    },
  };
}

const bearer = { authorization: 'Bearer x.y.z' };

describe('failedAuthThrottlePlugin', () => {
  it('counts invalid tokens and then answers 429 with Retry-After to requests with credentials', async () => {
    const throttle = memoryThrottle();
    const app = await appWith(throttle);
    expect((await app.inject({ url: '/protected', headers: bearer })).statusCode).toBe(401);
    // An address that has not failed here yet is not looked up.
    expect(throttle.asked).toBe(0);
    expect((await app.inject({ url: '/protected', headers: bearer })).statusCode).toBe(401);
    expect(throttle.asked).toBe(1);
    const blocked = await app.inject({ url: '/protected', headers: bearer });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['retry-after']).toBe('42');
    expect((await app.inject({ url: '/public' })).statusCode).toBe(200);
  });

  it.each(['token_expired', 'missing_credentials'] as const)('does not count %s (not a guess)', async (code) => {
    const throttle = memoryThrottle();
    const app = await appWith(throttle, code);
    for (let i = 0; i < 4; i++) expect((await app.inject({ url: '/protected', headers: bearer })).statusCode).toBe(401);
    expect(throttle.failures.size).toBe(0);
  });

  it('lets requests through when the counter store is away (fails open, never locks users out)', async () => {
    const down: FailedAuthThrottle = {
      isSuspect: () => true,
      blockedForSeconds: () => Promise.reject(new Error('redis away')),
      recordFailure: () => Promise.reject(new Error('redis away')),
    };
    const app = await appWith(down);
    for (let i = 0; i < 4; i++) expect((await app.inject({ url: '/protected', headers: bearer })).statusCode).toBe(401);
  });

  it('is off with maxFailures 0', async () => {
    const throttle = memoryThrottle();
    const app = Fastify();
    await app.register(failedAuthThrottlePlugin, { throttle, maxFailures: 0 });
    app.get('/protected', async () => {
      throw new AuthError('invalid_token', 'refused');
    });
    for (let i = 0; i < 4; i++) await app.inject({ url: '/protected', headers: bearer });
    expect(throttle.failures.size).toBe(0);
  });
});
