import { generateGatewayToken } from '@byok/auth';
import { insertGatewayToken } from '@byok/db';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TEST_JWT_SECRET } from '../support/api-harness.js';
import { routesOf, toOpenApiPath, type RecordedRoute } from '../support/route-recorder.js';
import { errorShapeProblem, type ResponseLike } from './support/error-shape.js';
import { startSecurityHarness, type SecurityHarness } from './support/security-harness.js';

vi.mock('fastify', async (importOriginal) => (await import('../support/route-recorder.js')).recordingFastify(importOriginal));

/**
 * Authentication, generated from the complete route table (recorded as Fastify registers each
 * route, so routes the OpenAPI document hides, such as the job dashboard, are included): every
 * route that is not on the short public list refuses every kind of bad credential with 401 in
 * the error shape, admin routes refuse users with 403, and the proxy's routes also refuse
 * unknown, revoked and expired gateway tokens. A new route is protected by default here: if it
 * is meant to be public it must be added to PUBLIC_ROUTES, with the reason.
 */

const PUBLIC_ROUTES: ReadonlyArray<{ method: string; url: string; why: string; optional?: true }> = [
  { method: 'GET', url: '/healthz', why: 'liveness probe' },
  { method: 'GET', url: '/readyz', why: 'readiness probe' },
  { method: 'GET', url: '/docs', why: 'API documentation' },
  { method: 'GET', url: '/docs/json', why: 'API documentation' },
  { method: 'GET', url: '/docs/yaml', why: 'API documentation' },
  { method: 'GET', url: '/docs/static/index.html', why: 'API documentation' },
  { method: 'GET', url: '/docs/static/swagger-initializer.js', why: 'API documentation' },
  { method: 'GET', url: '/docs/static/*', why: 'API documentation assets' },
  { method: 'GET', url: '/', why: 'the web page' },
  { method: 'GET', url: '/account', why: 'the web page' },
  { method: 'GET', url: '/account/*', why: "the web page's client-side routes" },
  { method: 'GET', url: '/assets/*', why: "the web page's hashed assets", optional: true },
  { method: 'GET', url: '/api/v1/auth/config', why: 'tells the page how to sign in' },
  { method: 'GET', url: '/api/v1/llm/byok/providers', why: 'the provider catalogue holds no secret; the earlier system\'s health checks call it' },
  { method: 'DELETE', url: '/admin/queues/session', why: 'ends a dashboard session (clears its cookie); nothing to protect' },
  { method: 'GET', url: '/admin/queues/session/sign-in.js', why: "the dashboard sign-in hint page's script" },
  { method: 'POST', url: '/api/v1/auth/dev-login', why: 'development sign-in, only with a generated secret', optional: true },
];

const isPublic = (r: Pick<RecordedRoute, 'method' | 'url'>) => PUBLIC_ROUTES.some((p) => p.method === r.method && p.url === r.url);
const isAdmin = (r: Pick<RecordedRoute, 'url'>) => r.url.startsWith('/api/v1/admin/') || r.url.startsWith('/admin/');
// The board itself; not its session routes (`POST /admin/queues/session` takes a bearer header only,
// `DELETE` and the hint page's script are public).
const isDashboard = (r: Pick<RecordedRoute, 'url'>) => (r.url === '/admin/queues' || r.url.startsWith('/admin/queues/')) && !r.url.startsWith('/admin/queues/session');
const PROXY_ROUTES = ['/v1/chat/completions', '/api/v1/llm/chat/completions', '/v1/models', '/api/v1/llm/models'];
const isProxy = (r: Pick<RecordedRoute, 'url'>) => PROXY_ROUTES.includes(r.url);
const isChat = (r: Pick<RecordedRoute, 'url'>) => r.url.endsWith('/chat/completions');

const SAMPLE_PARAMS: Readonly<Record<string, string>> = {
  provider: 'openai',
  id: '00000000-0000-4000-8000-000000000001',
  queueName: 'key-tests',
  jobId: '1',
  queueStatus: 'failed',
  schedulerId: 'revalidate-keys',
};

/** A concrete URL for a route: parameters from SAMPLE_PARAMS (any value: auth runs first), `*` as `x`. */
const concreteUrl = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => SAMPLE_PARAMS[name] ?? 'x').replace(/\*$/, 'x');

const CHAT_BODY = { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };

const secret = new TextEncoder().encode(TEST_JWT_SECRET);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

interface Claims {
  sub?: string;
  iss?: string;
  aud?: string;
  exp?: number | null;
  nbf?: number;
  roles?: string[];
}

let h: SecurityHarness;
let issuer: string;

function sign(claims: Claims = {}, options: { alg?: 'HS256' | 'HS384' | 'HS512'; key?: Uint8Array } = {}): Promise<string> {
  const jwt = new SignJWT({ roles: claims.roles ?? ['admin'] })
    .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' })
    .setSubject(claims.sub ?? 'auth-matrix-user')
    .setIssuer(claims.iss ?? issuer)
    .setAudience(claims.aud ?? 'byok-gateway')
    .setIssuedAt(now() - 10);
  if (claims.exp !== null) jwt.setExpirationTime(claims.exp ?? now() + 600);
  if (claims.nbf !== undefined) jwt.setNotBefore(claims.nbf);
  return jwt.sign(options.key ?? secret);
}

/** One bad credential: the headers it sends and the codes a refusal may carry. */
interface BadCredential {
  name: string;
  headers(): Promise<Record<string, string>>;
  codes: string[];
  /** Only for routes where this credential would otherwise be good (gateway tokens off the proxy). */
  only?: (r: RecordedRoute) => boolean;
}

const bearer = (value: string) => ({ authorization: `Bearer ${value}` });

function badCredentials(gateway: { revoked: string; expired: string; active: string }, userJwt: string): BadCredential[] {
  return [
    { name: 'no credentials', headers: async () => ({}), codes: ['missing_credentials'] },
    { name: 'an empty Authorization header', headers: async () => ({ authorization: '' }), codes: ['missing_credentials'] },
    { name: 'Basic scheme', headers: async () => ({ authorization: 'Basic YWRtaW46YWRtaW4=' }), codes: ['invalid_token'] },
    { name: 'Bearer with nothing after it', headers: async () => ({ authorization: 'Bearer ' }), codes: ['invalid_token', 'missing_credentials'] },
    { name: 'a bare user id (the earlier system)', headers: async () => bearer('auth-matrix-user'), codes: ['invalid_token'] },
    { name: 'an expired token', headers: async () => bearer(await sign({ exp: now() - 120 })), codes: ['token_expired'] },
    { name: 'a token not valid yet', headers: async () => bearer(await sign({ nbf: now() + 3600 })), codes: ['invalid_token'] },
    { name: 'a token without exp', headers: async () => bearer(await sign({ exp: null })), codes: ['invalid_token'] },
    { name: 'a wrong issuer', headers: async () => bearer(await sign({ iss: 'https://evil.example' })), codes: ['invalid_token'] },
    { name: 'a wrong audience', headers: async () => bearer(await sign({ aud: 'another-app' })), codes: ['invalid_token'] },
    {
      name: 'a tampered payload (user made admin, signature kept)',
      headers: async () => {
        const [head, , signature] = (await sign({ roles: [] })).split('.');
        return bearer(`${head}.${b64({ sub: 'auth-matrix-user', iss: issuer, aud: 'byok-gateway', exp: now() + 600, roles: ['admin'] })}.${signature}`);
      },
      codes: ['invalid_token'],
    },
    { name: 'a tampered signature', headers: async () => bearer(`${(await sign()).slice(0, -6)}AAAAAA`), codes: ['invalid_token'] },
    { name: 'alg: none', headers: async () => bearer(`${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'auth-matrix-user', iss: issuer, aud: 'byok-gateway', exp: now() + 600, roles: ['admin'] })}.`), codes: ['invalid_token'] },
    { name: 'alg: HS512 with the right secret', headers: async () => bearer(await sign({}, { alg: 'HS512' })), codes: ['invalid_token'] },
    { name: 'another secret', headers: async () => bearer(await sign({}, { key: new TextEncoder().encode('another-secret-that-is-32-characters-long!') })), codes: ['invalid_token'] },
    { name: 'a 9,000-character token', headers: async () => bearer(`${'a'.repeat(4500)}.${'b'.repeat(4500)}.c`), codes: ['invalid_token'] },
    { name: 'an unknown gateway token', headers: async () => bearer(generateGatewayToken().token), codes: ['invalid_token'] },
    { name: 'a revoked gateway token', headers: async () => bearer(gateway.revoked), codes: ['invalid_token'] },
    { name: 'an expired gateway token', headers: async () => bearer(gateway.expired), codes: ['token_expired', 'invalid_token'] },
    { name: 'an active gateway token (the API takes JWTs only)', headers: async () => bearer(gateway.active), codes: ['invalid_token'], only: (r) => !isProxy(r) },
    {
      name: 'a valid token in the dashboard cookie (only the dashboard reads it)',
      headers: async () => ({ cookie: `byok_dashboard=${encodeURIComponent(userJwt)}` }),
      codes: ['missing_credentials'],
      only: (r) => !isDashboard(r),
    },
  ];
}

let routes: RecordedRoute[];
let credentials: BadCredential[];
let userHeaders: Record<string, string>;

function request(route: RecordedRoute, headers: Record<string, string>, options: { body?: boolean } = {}) {
  const withBody = options.body !== false && isChat(route);
  return h.app.inject({
    method: route.method as 'GET',
    url: concreteUrl(route.url),
    headers,
    ...(withBody ? { payload: CHAT_BODY } : {}),
  });
}

/** Why a refusal is wrong, or undefined: the status, the code, the shape, and the challenge header. */
function refusalProblem(res: ResponseLike, status: 401 | 403, codes: string[]): string | undefined {
  if (res.statusCode !== status) return `status ${res.statusCode}, not ${status}: ${res.body.slice(0, 200)}`;
  const shape = errorShapeProblem(res);
  if (shape !== undefined) return shape;
  const { code } = (JSON.parse(res.body) as { error: { code: string } }).error;
  if (!codes.includes(code)) return `code ${code}, not ${codes.join(' or ')}`;
  if (status === 401 && res.headers['www-authenticate'] !== 'Bearer') return `www-authenticate is ${String(res.headers['www-authenticate'])}`;
  return undefined;
}

beforeAll(async () => {
  h = await startSecurityHarness('authn_matrix');
  issuer = h.api.config.auth.issuer;
  routes = routesOf(h.app);
  userHeaders = await h.bearer('auth-matrix-user');
  const em = h.api.runtime.orm.em.fork();
  const expired = generateGatewayToken();
  await insertGatewayToken(em, { userId: 'auth-matrix-user', name: 'expired', tokenHash: expired.hash, tokenPrefix: expired.prefix, expiresAt: new Date(Date.now() - 60_000) });
  const created = await h.app.inject({ method: 'POST', url: '/api/v1/llm/tokens', headers: userHeaders, payload: { name: 'to revoke' } });
  const revoked = created.json<{ id: string; token: string }>();
  expect((await h.app.inject({ method: 'DELETE', url: `/api/v1/llm/tokens/${revoked.id}`, headers: userHeaders })).statusCode).toBe(204);
  const active = await h.app.inject({ method: 'POST', url: '/api/v1/llm/tokens', headers: userHeaders, payload: { name: 'active' } });
  credentials = badCredentials({ revoked: revoked.token, expired: expired.token, active: active.json<{ token: string }>().token }, userHeaders.authorization?.slice('Bearer '.length) ?? '');
});
afterAll(() => h?.close());

describe('authentication matrix (generated from the recorded route table)', () => {
  it('finds the whole table: API, proxy, job dashboard and web page', () => {
    const urls = routes.map((r) => r.url);
    expect(urls).toEqual(expect.arrayContaining(['/api/v1/llm/byok/keys/:provider', '/v1/chat/completions', '/admin/queues/api/queues', '/account/*', '/docs/json']));
    expect(routes.filter((r) => !isPublic(r)).length).toBeGreaterThan(50);
  });

  it('lists as public only routes that exist, and every operation the docs mark public', () => {
    const stale = PUBLIC_ROUTES.filter((p) => p.optional !== true && !routes.some((r) => r.method === p.method && r.url === p.url));
    expect(stale, 'PUBLIC_ROUTES names routes that no longer exist').toEqual([]);
    const documentedPublic = h.operations.filter((op) => op.public).map((op) => `${op.method} ${op.path}`);
    const allowed = PUBLIC_ROUTES.map((p) => `${p.method} ${toOpenApiPath(p.url)}`);
    expect(documentedPublic.filter((op) => !allowed.includes(op)), 'operations documented with `security: []` but not in PUBLIC_ROUTES').toEqual([]);
    const documentedProtected = h.operations.filter((op) => !op.public).map((op) => `${op.method} ${op.path}`);
    expect(documentedProtected.filter((op) => allowed.includes(op)), 'public routes whose documentation asks for a bearer token').toEqual([]);
  });

  it('serves the public routes without credentials', async () => {
    for (const route of routes.filter(isPublic)) {
      const res = await request(route, {});
      expect([401, 403], `${route.method} ${route.url}`).not.toContain(res.statusCode);
    }
  });

  it('refuses every bad credential on every protected route with 401 in the error shape', async () => {
    const problems: string[] = [];
    let checked = 0;
    for (const credential of credentials) {
      const headers = await credential.headers();
      for (const route of routes.filter((r) => !isPublic(r) && (credential.only?.(r) ?? true))) {
        const res = await request(route, headers);
        checked++;
        const problem = refusalProblem(res, 401, credential.codes);
        if (problem !== undefined) problems.push(`${route.method} ${route.url} with ${credential.name}: ${problem}`);
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(50 * credentials.length - 200);
  });

  it('refuses users on every admin route with 403 in the error shape, before reading parameters', async () => {
    const problems: string[] = [];
    const admin = routes.filter((r) => !isPublic(r) && isAdmin(r));
    expect(admin.length).toBeGreaterThan(30);
    for (const route of admin) {
      const res = await request(route, userHeaders);
      const problem = isDashboard(route) ? (res.statusCode === 403 ? undefined : `status ${res.statusCode}`) : refusalProblem(res, 403, ['forbidden']);
      if (problem !== undefined) problems.push(`${route.method} ${route.url}: ${problem}`);
    }
    expect(problems).toEqual([]);
  });

  it('refuses the dashboard cookie of a user with 403 and a forged one with 401', async () => {
    const dashboard = routes.filter(isDashboard);
    const forged = await sign({ roles: ['admin'] }, { key: new TextEncoder().encode('another-secret-that-is-32-characters-long!') });
    // From the service's own origin, so the cookie itself is judged, not the cross-site check.
    const origin = new URL(h.api.config.publicUrl).origin;
    for (const route of dashboard) {
      expect((await request(route, { origin, cookie: `byok_dashboard=${encodeURIComponent(userHeaders.authorization?.slice(7) ?? '')}` })).statusCode, route.url).toBe(403);
      expect((await request(route, { origin, cookie: `byok_dashboard=${forged}` })).statusCode, route.url).toBe(401);
    }
  });

  it('accepts the credentials the refusals above are measured against (controls)', async () => {
    const admin = await h.bearer('auth-matrix-admin', { admin: true });
    expect((await h.app.inject({ url: '/api/v1/llm/byok/keys', headers: userHeaders })).statusCode).toBe(200);
    expect((await h.app.inject({ url: '/api/v1/admin/byok/keys', headers: admin })).statusCode).toBe(200);
    expect((await h.app.inject({ url: '/admin/queues/api/queues', headers: admin })).statusCode).toBe(200);
    const gateway = credentials.find((c) => c.name.startsWith('an active gateway token'));
    const models = await h.app.inject({ url: '/v1/models', headers: await (gateway?.headers() ?? Promise.resolve({})) });
    expect(models.statusCode).toBe(200);
  });

  // bull-board installs its own error handler; the dashboard's hooks answer refusals themselves.
  it('answers refusals on the job dashboard in the error shape too', async () => {
    const problems: string[] = [];
    for (const route of routes.filter(isDashboard)) {
      const missing = refusalProblem(await request(route, {}), 401, ['missing_credentials']);
      const user = refusalProblem(await request(route, userHeaders), 403, ['forbidden']);
      if (missing !== undefined) problems.push(`${route.method} ${route.url} without credentials: ${missing}`);
      if (user !== undefined) problems.push(`${route.method} ${route.url} as a user: ${user}`);
    }
    expect(problems).toEqual([]);
  });

  // The proxy's chat routes authenticate in onRequest (apps/proxy/src/auth/caller-hook.ts): an
  // anonymous caller never makes the proxy read up to its 10 MB body limit nor learns its schema.
  it('refuses anonymous chat requests with 401 before reading the body', async () => {
    const problems: string[] = [];
    for (const route of routes.filter(isChat)) {
      for (const [label, extra] of [
        ['no body', {}],
        ['an invalid body', { payload: { model: 1 } }],
        ['a text body', { payload: 'hello', headers: { 'content-type': 'text/plain' } }],
      ] as const) {
        const res = await h.app.inject({ method: 'POST', url: route.url, ...extra });
        const problem = refusalProblem(res, 401, ['missing_credentials']);
        if (problem !== undefined) problems.push(`${route.url} with ${label}: ${problem}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
