import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { Config } from '@byok/config';
import { AppError, replyWithError } from '@byok/http';
import type { Producers } from '@byok/queues';
import {
  clearDashboardSessionCookie,
  crossSiteCookieRequest,
  DASHBOARD_PATH,
  dashboardCookieToken,
  dashboardSessionCookie,
} from './dashboard-session.js';
import { SIGN_IN_HINT_PAGE, SIGN_IN_SCRIPT, SIGN_IN_SCRIPT_PATH } from './dashboard-sign-in.page.js';
import { pageContentSecurityPolicy, setPageSecurityHeaders } from '../http/page-security-headers.js';

export interface QueueDashboardOptions {
  producers: Producers;
  config: Config;
}

/**
 * The BullMQ job dashboard (bull-board), admins only. Browsers cannot attach a bearer header to
 * page loads, so the dashboard also accepts the token from its own HttpOnly session cookie, which
 * only `POST /admin/queues/session` (with an admin bearer token) sets. Requests authenticated by
 * that cookie that change state must come from this service's own pages (`Origin`).
 */
export async function queueDashboardRoutes(app: FastifyInstance, options: QueueDashboardOptions): Promise<void> {
  const secureCookie = new URL(options.config.publicUrl).protocol === 'https:';
  await app.register(async (scope) => dashboardSessionRoutes(scope, secureCookie));
  await app.register(async (scope) => dashboardBoard(scope, options));
}

/** Starting and ending a dashboard session, and the hint page's script: outside the board's guard. */
async function dashboardSessionRoutes(app: FastifyInstance, secureByConfig: boolean): Promise<void> {
  const secure = (request: FastifyRequest) => secureByConfig || request.protocol === 'https';
  app.post(`${DASHBOARD_PATH}/session`, { onRequest: app.requireAdmin, schema: { hide: true } }, async (request, reply) => {
    // requireAdmin verified this header; the cookie carries the same token, no further power.
    const token = (request.headers.authorization ?? '').replace(/^bearer[ \t]+/i, '').trim();
    return reply.header('set-cookie', dashboardSessionCookie(token, { secure: secure(request) })).header('cache-control', 'no-store').code(204).send();
  });
  app.delete(`${DASHBOARD_PATH}/session`, { schema: { hide: true } }, async (request, reply) =>
    reply.header('set-cookie', clearDashboardSessionCookie({ secure: secure(request) })).code(204).send(),
  );
  app.get(SIGN_IN_SCRIPT_PATH, { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(SIGN_IN_SCRIPT),
  );
}

async function dashboardBoard(app: FastifyInstance, options: QueueDashboardOptions): Promise<void> {
  const adapter = new FastifyAdapter();
  createBullBoard({
    queues: [options.producers.keyTests.queue, options.producers.usageEvents.queue, options.producers.maintenance.queue].map((q) => new BullMQAdapter(q)),
    serverAdapter: adapter,
  });
  adapter.setBasePath(DASHBOARD_PATH);
  const publicOrigin = new URL(options.config.publicUrl).origin;
  const csp = pageContentSecurityPolicy(options.config, { dashboard: true });

  // bull-board installs its own error handler in this scope; answer refusals here, in our shape.
  app.addHook('onRequest', async (request, reply) => {
    try {
      authorizeFromCookie(request, publicOrigin);
      await app.requireAdmin.call(app, request, reply, () => undefined);
    } catch (error) {
      if (wantsSignInHint(request)) return sendSignInHint(reply, csp);
      return replyWithError(error, request, reply);
    }
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (!String(reply.getHeader('content-type') ?? '').startsWith('text/html')) return payload;
    setPageSecurityHeaders(reply, csp);
    return typeof payload === 'string' ? withLocalFonts(payload) : payload;
  });
  await registerLocalFonts(app);
  await app.register(adapter.registerPlugin(), { prefix: DASHBOARD_PATH });
}

/** Uses the session cookie when there is no bearer header, refusing cross-site state changes. */
function authorizeFromCookie(request: FastifyRequest, publicOrigin: string): void {
  if (request.headers.authorization !== undefined) return;
  const token = dashboardCookieToken(request);
  if (token === undefined) return;
  if (crossSiteCookieRequest(request, publicOrigin)) {
    throw new AppError('forbidden', 'A state-changing dashboard request must come from the dashboard itself (its Origin is missing or another site)');
  }
  request.headers.authorization = `Bearer ${token}`;
}

/** A browser opening a dashboard page without a session gets the sign-in hint, not JSON. */
function wantsSignInHint(request: FastifyRequest): boolean {
  return request.method === 'GET' && request.headers.authorization === undefined && (request.headers.accept ?? '').includes('text/html');
}

function sendSignInHint(reply: FastifyReply, csp: string): FastifyReply {
  return setPageSecurityHeaders(reply, csp).code(401).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(SIGN_IN_HINT_PAGE);
}

// The fonts bull-board's page asks Google for, served from the @fontsource packages instead:
// no request to a third party when an admin opens the dashboard.
const FONT_PACKAGES = { sans: '@fontsource/ibm-plex-sans', mono: '@fontsource/ibm-plex-mono' } as const;
const FONT_STYLESHEETS = ['sans/latin-400.css', 'sans/latin-500.css', 'sans/latin-600.css', 'mono/latin-400.css', 'mono/latin-500.css'];
const GOOGLE_FONTS_LINK = /<link[^>]+fonts\.googleapis\.com[^>]*>/;

async function registerLocalFonts(app: FastifyInstance): Promise<void> {
  const require = createRequire(import.meta.url);
  for (const [name, pkg] of Object.entries(FONT_PACKAGES)) {
    await app.register(fastifyStatic, {
      root: dirname(require.resolve(`${pkg}/latin-400.css`)),
      prefix: `${DASHBOARD_PATH}/fonts/${name}/`,
      decorateReply: false,
      index: false,
      immutable: true,
      maxAge: '365d',
      schemaHide: true,
      allowedPath: (path) => path.endsWith('.css') || path.startsWith('/files/'),
    });
  }
}

export function withLocalFonts(html: string): string {
  const links = FONT_STYLESHEETS.map((file) => `<link href="${DASHBOARD_PATH}/fonts/${file}" rel="stylesheet">`).join('');
  return html.replace(GOOGLE_FONTS_LINK, links);
}
