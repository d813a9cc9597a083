import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { mintDevToken } from '@byok/auth';
import type { Config } from '@byok/config';

/** Development tokens live for a working day; the page signs in again after that. */
const DEV_TOKEN_TTL_SECONDS = 8 * 60 * 60;

const AuthConfigBody = Type.Object({
  mode: Type.Union([Type.Literal('dev'), Type.Literal('oidc'), Type.Literal('token')], {
    description: '`dev`: POST /api/v1/auth/dev-login signs you in. `oidc`: sign in at `issuer` (authorization code + PKCE) as `client_id`. `token`: paste a bearer token.',
  }),
  issuer: Type.Optional(Type.String()),
  client_id: Type.Optional(Type.String()),
});

const DevLoginBody = Type.Object(
  {
    user_id: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9._@-]+$', description: 'Any user id; letters, digits and . _ @ -.' }),
    admin: Type.Optional(Type.Boolean({ description: 'Adds the admin role to the token.' })),
  },
  { additionalProperties: false },
);

const DevLoginResult = Type.Object({
  token: Type.String({ description: 'An HS256 bearer token signed with the generated development secret.' }),
  expires_at: Type.String({ format: 'date-time' }),
});

/**
 * True only where anyone may sign in as anyone: standalone or development mode with a secret the
 * process generated itself. A configured secret (even in development) means tokens come from
 * somewhere else, and production never mints tokens.
 */
export function devLoginEnabled(config: Config): boolean {
  return config.auth.mode === 'hs256' && config.auth.generated && !config.production;
}

/**
 * Development sign-in hands an admin token to anyone who asks, so it may only be reachable from
 * this machine: on any other interface (HOST=0.0.0.0, a LAN address) the API refuses to start.
 * `buildApi` calls it first, before it opens any connection.
 */
export function assertDevLoginLoopback(config: Config): void {
  if (!devLoginEnabled(config) || isLoopbackHost(config.host)) return;
  throw new Error(
    `Development sign-in (a generated JWT secret) lets anyone sign in as anyone, so it only runs on a loopback HOST, not ${config.host}. ` +
      'Set HOST=127.0.0.1, or configure AUTH_JWT_SECRET or AUTH_JWKS_URL to listen on other interfaces.',
  );
}

/** `localhost`, 127.0.0.0/8, `::1` and IPv4-mapped loopback. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^(?:::ffff:)?127(?:\.\d{1,3}){3}$/.test(bare);
}


/**
 * How the web page signs in (`GET /api/v1/auth/config`, public), and in dev mode only,
 * `POST /api/v1/auth/dev-login`, which mints a token for any user id.
 */
export const devAuthRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  const clientId = config.auth.mode === 'oidc' ? config.auth.clientId : undefined;
  const authConfig =
    devLoginEnabled(config)
      ? { mode: 'dev' as const }
      : config.auth.mode === 'oidc' && clientId !== undefined
        ? { mode: 'oidc' as const, issuer: config.auth.issuer, client_id: clientId }
        : { mode: 'token' as const };

  app.get('/auth/config', {
    schema: { tags: ['auth'], summary: 'How the web page signs in', security: [], response: { 200: AuthConfigBody } },
    handler: async () => authConfig,
  });

  const auth = config.auth;
  if (!devLoginEnabled(config) || auth.mode !== 'hs256') return;

  app.post('/auth/dev-login', {
    schema: {
      tags: ['auth'],
      summary: 'Development sign-in (standalone mode only)',
      description: 'Mints a token for any user id. Exists only while the server runs with a JWT secret it generated itself on a loopback address (the server refuses to start otherwise), never in production.',
      security: [],
      body: DevLoginBody,
      response: { 200: DevLoginResult, 400: { $ref: 'ErrorBody' } },
    },
    handler: async (request) => {
      // The same whole-second expiry mintDevToken writes into the token's `exp`.
      const expiresAtMs = (Math.floor(Date.now() / 1000) + DEV_TOKEN_TTL_SECONDS) * 1000;
      const token = await mintDevToken({
        secret: auth.secret,
        issuer: auth.issuer,
        audience: auth.audience,
        userIdClaim: auth.userIdClaim,
        adminRole: auth.adminRole,
        userId: request.body.user_id,
        admin: request.body.admin === true,
        ttlSeconds: DEV_TOKEN_TTL_SECONDS,
      });
      request.log.info({ user_id: request.body.user_id, admin: request.body.admin === true }, 'development sign-in');
      return { token, expires_at: new Date(expiresAtMs).toISOString() };
    },
  });
};
