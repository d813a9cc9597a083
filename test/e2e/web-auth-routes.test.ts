import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '@byok/auth';
import { loadConfig, type Config } from '@byok/config';
import { ErrorBodySchema, errorHandlerPlugin } from '@byok/http';
import { devAuthRoutes, devLoginEnabled } from '../../apps/api/src/dev-auth/dev-auth.routes.js';
import { webRoutes } from '../../apps/api/src/web/web.routes.js';
import { startApiHarness, TEST_ENCRYPTION_KEY, TEST_JWT_SECRET, type ApiHarness } from '../support/api-harness.js';

/**
 * The two routes the web page adds to the API: sign-in configuration and dev sign-in
 * (dev-auth.routes.ts), and serving the built page (web.routes.ts). Config-dependent behaviour is
 * checked on a bare Fastify with just these plugins; the full API is checked once for wiring.
 */

const BASE_ENV = { BYOK_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY, LOG_LEVEL: 'silent' };
const generated = { resolveGeneratedSecret: (name: string) => (name === 'jwt-secret' ? TEST_JWT_SECRET : 'unused') };

const devConfig = () => loadConfig(BASE_ENV, generated);
const configuredSecret = () => loadConfig({ ...BASE_ENV, AUTH_JWT_SECRET: TEST_JWT_SECRET }, generated);
const oidcConfig = () => loadConfig({ ...BASE_ENV, AUTH_JWKS_URL: 'https://id.example.com/realms/byok/certs', AUTH_ISSUER: 'https://id.example.com/realms/byok' });

async function bareApp(config: Config, webDistDir?: string) {
  // The API's validator settings (build-api.ts): unknown fields are refused, not dropped.
  const app = Fastify({ ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } } });
  app.addSchema(ErrorBodySchema);
  await app.register(errorHandlerPlugin);
  await app.register(devAuthRoutes, { prefix: '/api/v1', config });
  await app.register(webRoutes, { config, ...(webDistDir ? { distDir: webDistDir } : {}) });
  await app.ready();
  return app;
}

describe('dev sign-in and sign-in config', () => {
  it('signs anyone in while the server runs on a JWT secret it generated, with a token the API accepts', async () => {
    const config = devConfig();
    const app = await bareApp(config);
    expect((await app.inject({ url: '/api/v1/auth/config' })).json()).toEqual({ mode: 'dev' });

    for (const admin of [false, true]) {
      const res = await app.inject({ method: 'POST', url: '/api/v1/auth/dev-login', payload: { user_id: 'dana@example.com', admin } });
      expect(res.statusCode).toBe(200);
      const body = res.json<{ token: string; expires_at: string }>();
      expect(Date.parse(body.expires_at) - Date.now()).toBeGreaterThan(7 * 3600_000);
      if (config.auth.mode !== 'hs256') throw new Error('expected hs256');
      const principal = await createAuthenticator(config.auth).verify(`Bearer ${body.token}`);
      expect(principal).toMatchObject({ userId: 'dana@example.com', isAdmin: admin });
    }
    await app.close();
  });

  it.each([
    ['an empty user id', { user_id: '' }],
    ['a user id with spaces', { user_id: 'a b' }],
    ['an unknown field', { user_id: 'a', role: 'admin' }],
    ['a non-boolean admin', { user_id: 'a', admin: 'yes' }],
  ])('refuses %s with 400 and the error shape', async (_name, payload) => {
    const app = await bareApp(devConfig());
    const res = await app.inject({ method: 'POST', url: '/api/v1/auth/dev-login', payload });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'validation_failed', message: expect.any(String) } });
    await app.close();
  });

  it('has no dev sign-in when the secret is configured (tokens come from elsewhere), and says to paste a token', async () => {
    const app = await bareApp(configuredSecret());
    expect((await app.inject({ url: '/api/v1/auth/config' })).json()).toEqual({ mode: 'token' });
    expect((await app.inject({ method: 'POST', url: '/api/v1/auth/dev-login', payload: { user_id: 'a' } })).statusCode).toBe(404);
    await app.close();
  });

  it('never signs in without a token in production, whatever the secret', () => {
    const config = devConfig();
    expect(devLoginEnabled(config)).toBe(true);
    expect(devLoginEnabled({ ...config, production: true })).toBe(false);
    expect(devLoginEnabled(configuredSecret())).toBe(false);
  });

  it('points the page at the OIDC issuer when a client id is configured, and allows the token exchange in the CSP', async () => {
    {
      const oidc = oidcConfig();
      const app = await bareApp(oidc.auth.mode === 'oidc' ? { ...oidc, auth: { ...oidc.auth, clientId: 'byok-web' } } : oidc);
      expect((await app.inject({ url: '/api/v1/auth/config' })).json()).toEqual({ mode: 'oidc', issuer: 'https://id.example.com/realms/byok', client_id: 'byok-web' });
      expect((await app.inject({ method: 'POST', url: '/api/v1/auth/dev-login', payload: { user_id: 'a' } })).statusCode).toBe(404);
      expect((await app.inject({ url: '/' })).headers['content-security-policy']).toContain("connect-src 'self' https://id.example.com");
      await app.close();
    }
  });

  it('falls back to a pasted token under OIDC when no client id is configured', async () => {
    const app = await bareApp(oidcConfig());
    expect((await app.inject({ url: '/api/v1/auth/config' })).json()).toEqual({ mode: 'token' });
    await app.close();
  });
});

describe('serving the built page', () => {
  let dist: string;
  beforeAll(async () => {
    dist = await mkdtemp(join(tmpdir(), 'byok-dist-'));
    await mkdir(join(dist, 'assets'));
    await writeFile(join(dist, 'index.html'), '<!doctype html><div id="root"></div><script type="module" src="/assets/index-abc123.js"></script>');
    await writeFile(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
  });
  afterAll(() => rm(dist, { recursive: true, force: true }));

  it.each(['/', '/account', '/account/api-keys', '/account/usage', '/account/signin-callback?code=x&state=y'])('answers %s with the page, never cached, with a strict CSP', async (url) => {
    const app = await bareApp(devConfig(), dist);
    const res = await app.inject({ url });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'; script-src 'self'.*frame-ancestors 'none'/);
    expect(res.body).toContain('<div id="root">');
    await app.close();
  });

  it('serves hashed assets for a year, and 404s in the API error shape for anything else', async () => {
    const app = await bareApp(devConfig(), dist);
    const asset = await app.inject({ url: '/assets/index-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    for (const url of ['/assets/missing.js', '/api/v1/nothing-here', '/favicon.ico']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json(), url).toMatchObject({ error: { code: 'not_found' } });
    }
    await app.close();
  });

  it('says how to build the page when there is no build', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'byok-nodist-'));
    const app = await bareApp(devConfig(), empty);
    const res = await app.inject({ url: '/account/api-keys' });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('npm run build --workspace @byok/web');
    await app.close();
    await rm(empty, { recursive: true, force: true });
  });
});

describe('wired into the API', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness('web_auth_routes');
  });
  afterAll(() => h?.close());

  it('exposes the sign-in config publicly and keeps dev sign-in off with a configured secret', async () => {
    expect((await h.app.inject({ url: '/api/v1/auth/config' })).json()).toEqual({ mode: 'token' });
    expect((await h.app.inject({ method: 'POST', url: '/api/v1/auth/dev-login', payload: { user_id: 'a' } })).statusCode).toBe(404);
    const docs = (await h.app.inject({ url: '/docs/json' })).json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(docs.paths)).toContain('/api/v1/auth/config');
    // The page's own paths stay out of the API document.
    expect(Object.keys(docs.paths)).not.toContain('/account/*');
  });
});
