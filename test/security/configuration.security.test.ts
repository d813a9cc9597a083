import { spawn, type ChildProcess } from 'node:child_process';
import { assertRedisNoEviction } from '@byok/runtime';
import { connect } from 'node:net';
import { buildApi } from '@byok/api';
import { loadConfig } from '@byok/config';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startApiHarness, TEST_ENCRYPTION_KEY, TEST_JWT_SECRET, type ApiHarness } from '../support/api-harness.js';
import { freePort } from '../support/free-port.js';

/**
 * Production refuses to start with development shortcuts: no generated secrets (so no
 * development sign-in), no missing encryption key, and no Redis that may evict keys (BullMQ's
 * jobs, locks and rate-limit counters would vanish under memory pressure). libs/config's own tests
 * cover the messages; these check the production rules end to end.
 */

const PRODUCTION = { NODE_ENV: 'production', DATABASE_URL: 'postgres://db.internal/byok', REDIS_URL: 'redis://redis.internal:6379' };

describe('production configuration', () => {
  it('refuses to generate a JWT secret: development auth is never on in production', () => {
    const resolveGeneratedSecret = vi.fn((name: string) => `generated-${name}-0123456789abcdef0123456789`);
    expect(() => loadConfig({ ...PRODUCTION, BYOK_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY }, { resolveGeneratedSecret })).toThrow(/AUTH_JWKS_URL or AUTH_JWT_SECRET/);
    expect(resolveGeneratedSecret).not.toHaveBeenCalled();
  });

  it('refuses to generate an encryption key or to start without one', () => {
    const resolveGeneratedSecret = vi.fn((name: string) => `generated-${name}-0123456789abcdef0123456789`);
    for (const env of [{ ...PRODUCTION, AUTH_JWT_SECRET: TEST_JWT_SECRET }, { ...PRODUCTION, AUTH_JWKS_URL: 'https://idp.example/jwks', BYOK_ENCRYPTION_KEYS: ' , ' }]) {
      expect(() => loadConfig(env, { resolveGeneratedSecret })).toThrow(/BYOK_ENCRYPTION_KEYS/);
    }
    expect(resolveGeneratedSecret).not.toHaveBeenCalled();
  });

  it('refuses a short JWT secret', () => {
    expect(() => loadConfig({ ...PRODUCTION, BYOK_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY, AUTH_JWT_SECRET: 'short-secret' })).toThrow(/AUTH_JWT_SECRET/);
  });

  it('starts with configured secrets, marked as not generated', () => {
    const config = loadConfig({ ...PRODUCTION, BYOK_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY, AUTH_JWKS_URL: 'https://idp.example/jwks', AUTH_ISSUER: 'https://idp.example', AUTH_AUDIENCE: 'byok-gateway' });
    expect(config).toMatchObject({ production: true, encryptionKeysGenerated: false, auth: { mode: 'oidc' } });
  });

  // Issue #12.5: OIDC without an audience accepted tokens minted for any client of the issuer.
  it('refuses OIDC without AUTH_AUDIENCE or AUTH_OIDC_CLIENT_ID, naming both', () => {
    const oidc = { ...PRODUCTION, BYOK_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY, AUTH_JWKS_URL: 'https://idp.example/jwks', AUTH_ISSUER: 'https://idp.example' };
    expect(() => loadConfig(oidc)).toThrow(/AUTH_AUDIENCE or AUTH_OIDC_CLIENT_ID/);
    expect(loadConfig({ ...oidc, AUTH_OIDC_CLIENT_ID: 'byok-web' }).auth).toMatchObject({ mode: 'oidc', clientId: 'byok-web' });
    expect(loadConfig({ ...oidc, AUTH_AUDIENCE: 'byok-gateway' }).auth).toMatchObject({ mode: 'oidc', audience: 'byok-gateway' });
    // Development may still run without either (documented as development only).
    expect(loadConfig({ ...oidc, NODE_ENV: 'development' }).auth.mode).toBe('oidc');
  });
});

describe('development sign-in', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    // The shared test Redis keeps no append-only file, which production refuses (REDIS_PERSISTENCE_CHECK).
    h = await startApiHarness('config_prod', { env: { NODE_ENV: 'production', REDIS_PERSISTENCE_CHECK: 'warn' } });
  });
  afterAll(() => h?.close());

  const devLogin = (app: ApiHarness['app']) => app.inject({ method: 'POST', url: '/api/v1/auth/dev-login', payload: { user_id: 'mallory', admin: true } });

  it('does not exist in production, and the page is told to ask for a token', async () => {
    expect(h.config.production).toBe(true);
    expect((await devLogin(h.app)).statusCode).toBe(404);
    expect((await h.app.inject({ url: '/api/v1/auth/config' })).json()).toEqual({ mode: 'token' });
  });

  it('does not exist in production even if the secret were marked generated', async () => {
    const auth = h.config.auth.mode === 'hs256' ? { ...h.config.auth, generated: true } : h.config.auth;
    const app = await buildApi({ ...h.runtime, config: { ...h.config, auth } });
    try {
      await app.ready();
      expect((await devLogin(app)).statusCode).toBe(404);
    } finally {
      await app.close();
    }
  });

  it('does not exist outside production when the secret was configured rather than generated', async () => {
    const app = await buildApi({ ...h.runtime, config: { ...h.config, production: false, env: 'development' } });
    try {
      await app.ready();
      expect((await devLogin(app)).statusCode).toBe(404);
    } finally {
      await app.close();
    }
  });

  // Issue #12 (Limits): development sign-in must refuse to start on anything but loopback.
  it.each(['0.0.0.0', '::', '192.168.1.20', 'gateway.lan'])('refuses to start when it would listen on %s', async (host) => {
    const auth = h.config.auth.mode === 'hs256' ? { ...h.config.auth, generated: true } : h.config.auth;
    await expect(buildApi({ ...h.runtime, config: { ...h.config, production: false, env: 'development', auth, host } })).rejects.toThrow(/only runs on a loopback HOST/);
  });

  it.each(['127.0.0.1', 'localhost', '::1', '[::1]'])('starts on the loopback address %s', async (host) => {
    const auth = h.config.auth.mode === 'hs256' ? { ...h.config.auth, generated: true } : h.config.auth;
    const app = await buildApi({ ...h.runtime, config: { ...h.config, production: false, env: 'development', auth, host } });
    await app.close();
  });

  it('exists only in development with a generated secret (the control for the three above)', async () => {
    const auth = h.config.auth.mode === 'hs256' ? { ...h.config.auth, generated: true } : h.config.auth;
    const app = await buildApi({ ...h.runtime, config: { ...h.config, production: false, env: 'development', auth } });
    try {
      await app.ready();
      expect((await devLogin(app)).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});


async function waitForPort(port: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not listen on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A throwaway redis-server (no persistence) with extra arguments, and a client on it. */
async function startRedis(args: string[]): Promise<{ redis: Redis; stop(): Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    await waitForPort(port);
  } catch (err) {
    child.kill('SIGTERM');
    throw err;
  }
  const redis = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
  return {
    redis,
    async stop() {
      redis.disconnect();
      child.kill('SIGTERM');
      await exited;
    },
  };
}

describe('Redis that may evict keys', () => {
  const check = (redis: Redis) => assertRedisNoEviction(redis);

  it('is refused with a message naming the policy', async () => {
    const server = await startRedis(['--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru']);
    try {
      await expect(check(server.redis)).rejects.toThrow(/maxmemory-policy.*allkeys-lru|allkeys-lru.*maxmemory-policy/);
      for (const policy of ['volatile-lru', 'allkeys-random', 'volatile-ttl']) {
        await server.redis.config('SET', 'maxmemory-policy', policy);
        await expect(check(server.redis), policy).rejects.toThrow(new RegExp(policy));
      }
      await server.redis.config('SET', 'maxmemory-policy', 'noeviction');
      await expect(check(server.redis)).resolves.toBeUndefined();
    } finally {
      await server.stop();
    }
  });

  it('is refused where CONFIG is disabled, as on managed Redis (the policy is in INFO memory too)', async () => {
    const server = await startRedis(['--maxmemory-policy', 'allkeys-lru', '--rename-command', 'CONFIG', '""']);
    try {
      await expect(check(server.redis)).rejects.toThrow(/allkeys-lru/);
    } finally {
      await server.stop();
    }
  });
});

