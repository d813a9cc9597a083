import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '@byok/config';
import { pageContentSecurityPolicy, setPageSecurityHeaders } from '../http/page-security-headers.js';

/** Where `vite build` writes the page, relative to this file (apps/api/src/web → apps/web/dist). */
const DEFAULT_DIST_DIR = fileURLToPath(new URL('../../../web/dist', import.meta.url));

/** The page's own paths; everything under /account is the page's client-side router. */
const PAGE_PATHS = ['/', '/account', '/account/*'];

export interface WebRoutesOptions {
  config: Config;
  /** The built page; defaults to the configured WEB_DIST_DIR. */
  distDir?: string;
}

/**
 * The web page: hashed assets from apps/web/dist/assets (cached for a year) and index.html for
 * the page's own paths (never cached, so a rebuild shows at once). Without a build it serves a
 * short page that says how to make one, so the API works either way.
 */
export async function webRoutes(app: FastifyInstance, options: WebRoutesOptions): Promise<void> {
  const distDir = resolve(options.distDir ?? options.config.webDistDir ?? DEFAULT_DIST_DIR);
  const indexPath = join(distDir, 'index.html');
  const built = existsSync(indexPath);
  const page = built ? readFileSync(indexPath, 'utf8') : notBuiltPage(distDir);
  const csp = pageContentSecurityPolicy(options.config);

  const sendPage = (reply: FastifyReply) =>
    setPageSecurityHeaders(reply, csp)
      .code(built ? 200 : 503)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(page);

  for (const url of PAGE_PATHS) {
    app.get(url, { schema: { hide: true } }, async (_request, reply) => sendPage(reply));
  }

  if (built) {
    await app.register(fastifyStatic, {
      root: join(distDir, 'assets'),
      prefix: '/assets/',
      decorateReply: false,
      index: false,
      immutable: true,
      maxAge: '365d',
      schemaHide: true,
    });
  }
}

function notBuiltPage(distDir: string): string {
  const escaped = distDir.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>BYOK Gateway: web page not built</title></head>
<body>
<h1>The web page has not been built yet</h1>
<p>The API is running, but there is no built page in <code>${escaped}</code>.</p>
<p>Build it with <code>npm run build --workspace @byok/web</code> (a few seconds), then reload. <code>npm start</code> builds it when it is missing.</p>
<p>The API itself is documented at <a href="/docs">/docs</a>.</p>
</body></html>`;
}
