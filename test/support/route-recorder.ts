import type * as FastifyModule from 'fastify';

/** One route as Fastify registered it: every method, the full URL, and whether docs hide it. */
export interface RecordedRoute {
  method: string;
  /** Fastify's syntax: `/api/v1/llm/byok/keys/:provider`, `/assets/*`. */
  url: string;
  /** `schema.hide`: left out of the OpenAPI document (web pages, the job dashboard, /docs). */
  hidden: boolean;
  /** The route's `config` (e.g. `orgRole`, the least organization role an org route declares). */
  config: Readonly<Record<string, unknown>>;
}

type FastifyExports = typeof FastifyModule;
type FastifyFactory = FastifyExports['default'];

const tables = new WeakMap<object, RecordedRoute[]>();

/**
 * A stand-in for the `fastify` module that adds an `onRoute` hook to every instance the moment
 * it is created, so tests see the complete route table of an app they did not build themselves
 * (including routes the OpenAPI document hides). Use it from a test file, before any import
 * that creates an app:
 *
 * ```ts
 * vi.mock('fastify', async (importOriginal) => (await import('../support/route-recorder.js')).recordingFastify(importOriginal));
 * ```
 */
export async function recordingFastify(importOriginal: () => Promise<unknown>): Promise<FastifyExports> {
  const actual = (await importOriginal()) as FastifyExports;
  const create = actual.default;
  const recording = ((options?: Parameters<FastifyFactory>[0]) => {
    const app = create(options);
    const routes: RecordedRoute[] = [];
    tables.set(app, routes);
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const hidden = typeof route.schema === 'object' && route.schema !== null && (route.schema as { hide?: unknown }).hide === true;
      const config = typeof route.config === 'object' && route.config !== null ? (route.config as Record<string, unknown>) : {};
      for (const method of methods) routes.push({ method: String(method).toUpperCase(), url: route.url, hidden, config });
    });
    return app;
  }) as unknown as FastifyFactory;
  Object.assign(recording, { errorCodes: actual.errorCodes });
  return { ...actual, default: recording, fastify: recording } as FastifyExports;
}

/**
 * The routes an app registered, in registration order, without the HEAD twins Fastify adds for
 * each GET (they share the GET's hooks). Throws when the app was not made through the recorder.
 */
export function routesOf(app: object): RecordedRoute[] {
  const routes = tables.get(app);
  if (routes === undefined) throw new Error('This app was not created through recordingFastify; mock `fastify` in the test file first.');
  // A GET at a plugin's root is registered at `/prefix` and `/prefix/`, but reported once; its
  // HEAD twins are reported for both.
  const bare = (url: string) => (url.length > 1 ? url.replace(/\/$/, '') : url);
  const gets = new Set(routes.filter((r) => r.method === 'GET').map((r) => bare(r.url)));
  const seen = new Set<string>();
  return routes.filter((r) => {
    const id = `${r.method} ${r.url}`;
    if (seen.has(id) || (r.method === 'HEAD' && gets.has(bare(r.url)))) return false;
    seen.add(id);
    return true;
  });
}

/** `/keys/:provider` → `/keys/{provider}`, the OpenAPI spelling, for comparing the two tables. */
export function toOpenApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}
