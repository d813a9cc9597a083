import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isProviderId, PROVIDER_IDS, PROVIDERS, type ProviderId } from '@byok/providers';
import { FALLBACK_CHAT_ROUTES } from './fallback-chat.routes.js';
import { KEY_CHECK_ROUTES } from './key-check.routes.js';
import { sendReply } from './mock-reply.js';
import type { MockCall, MockContext, MockRoute, MockSettings } from './mock-route.js';
import { PROVIDER_REPLIES } from './provider-replies.js';

/** Options of `startMockProviders`. */
export interface MockProvidersOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Delay of the `slow` scenario; default 5000 ms. */
  slowDelayMs?: number;
  /** Routes tried before the built-in ones (e.g. the chat routes from `chat/`). */
  extraRoutes?: readonly MockRoute[];
}

/** A running mock of all providers. */
export interface MockProviders {
  /** Origin of the server, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Each provider's base URL on this server, to use wherever the real `defaultBaseUrl` would go. */
  baseUrls: Record<ProviderId, string>;
  /** Copies of the recorded calls, oldest first, optionally filtered. */
  calls(filter?: { provider?: ProviderId; route?: string }): MockCall[];
  /** Forgets recorded calls and per-key counters (e.g. `rate_limited_once`). */
  resetCalls(): void;
  /** Stops the server, cutting open connections and pending slow answers. */
  close(): Promise<void>;
}

const BUILT_IN_ROUTES: readonly MockRoute[] = [...KEY_CHECK_ROUTES, ...FALLBACK_CHAT_ROUTES];
const REDIRECT_TARGET = '/__redirect-target';
const MAX_REQUEST_BODY_BYTES = 10 * 1024 * 1024;

/** The provider's real base path (`/v1`, `/api/v1`, …) below its prefix on the mock. */
function basePath(id: ProviderId): string {
  return new URL(PROVIDERS[id].defaultBaseUrl).pathname.replace(/\/+$/, '');
}

function pathMatches(route: MockRoute, path: string): string[] | undefined {
  if (typeof route.path === 'string') return route.path === path ? [] : undefined;
  const m = route.path.exec(path);
  return m && m[0] === path ? m.slice(1).map((g) => g ?? '') : undefined;
}

/** The first route for this provider, method and path, with its capture groups. */
function findRoute(
  routes: readonly MockRoute[],
  provider: ProviderId,
  method: string,
  path: string,
): { route: MockRoute; params: string[] } | undefined {
  for (const route of routes) {
    if (route.provider !== provider || route.method !== method) continue;
    const params = pathMatches(route, path);
    if (params) return { route, params };
  }
  return undefined;
}

function jsonReader(readBody: () => Promise<string>): () => Promise<unknown> {
  return async () => {
    try {
      return JSON.parse(await readBody()) as unknown;
    } catch {
      return undefined;
    }
  };
}

/** The request path with any `key=` query value masked, so call records never hold a key. */
function safePath(path: string, query: URLSearchParams): string {
  if (!query.has('key')) return query.size > 0 ? `${path}?${query.toString()}` : path;
  const masked = new URLSearchParams(query);
  masked.set('key', '***');
  return `${path}?${masked.toString()}`;
}

function bodyReader(req: IncomingMessage): () => Promise<string> {
  let cached: Promise<string> | undefined;
  return () => {
    cached ??= new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_REQUEST_BODY_BYTES) req.destroy(new Error('request body too large'));
        else chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });
    return cached;
  };
}

/**
 * Starts the mock provider server. Each provider lives under `/<id>` followed by its real API
 * paths, so `baseUrls.openai` is `${url}/openai/v1` and the key check is `GET /openai/v1/models`.
 */
export async function startMockProviders(opts: MockProvidersOptions = {}): Promise<MockProviders> {
  const recorded: MockCall[] = [];
  const counters = new Map<string, number>();
  const lifetime = new AbortController();
  const routes = [...(opts.extraRoutes ?? []), ...BUILT_IN_ROUTES];
  const settings: MockSettings = { url: '', slowDelayMs: opts.slowDelayMs ?? 5000 };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const parsed = new URL(req.url ?? '/', 'http://mock.invalid');
    const method = req.method ?? 'GET';
    const [, first = '', ...rest] = parsed.pathname.split('/');
    const provider = isProviderId(first) ? first : null;
    const path = provider ? `/${rest.join('/')}` : parsed.pathname;
    const call: MockCall = {
      provider,
      route: 'not-found',
      method,
      path: safePath(path, parsed.searchParams),
      credential: null,
      scenario: null,
      at: Date.now(),
      aborted: false,
    };
    recorded.push(call);
    const gone = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) {
        call.aborted = true;
        gone.abort();
      }
    });

    if (!provider) {
      if (parsed.pathname.startsWith(REDIRECT_TARGET)) call.route = 'redirect-target';
      sendReply(res, { status: call.route === 'redirect-target' ? 200 : 404, body: { error: { message: 'Not a provider path', path: parsed.pathname } } });
      return;
    }
    const found = findRoute(routes, provider, method, path);
    if (!found) {
      sendReply(res, PROVIDER_REPLIES[provider].notFound(method, path));
      return;
    }
    call.route = found.route.name;
    const readBody = bodyReader(req);
    const ctx: MockContext = {
      req,
      res,
      provider,
      path,
      params: found.params,
      query: parsed.searchParams,
      call,
      signal: AbortSignal.any([gone.signal, lifetime.signal]),
      settings,
      counters,
      readBody,
      readJson: jsonReader(readBody),
    };
    await found.route.handle(ctx);
  };

  const server = createServer({ noDelay: true }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      // A bug in a route, not a provider behaviour: say so loudly in the answer.
      const message = err instanceof Error ? err.message : String(err);
      if (!res.headersSent) sendReply(res, { status: 500, body: { mockError: `route failed: ${message}` } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host && opts.host !== '0.0.0.0' ? opts.host : '127.0.0.1';
  settings.url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const baseUrls = Object.fromEntries(PROVIDER_IDS.map((id) => [id, `${settings.url}/${id}${basePath(id)}`])) as Record<ProviderId, string>;

  return {
    url: settings.url,
    baseUrls,
    calls: (filter = {}) =>
      recorded
        .filter((c) => (filter.provider === undefined || c.provider === filter.provider) && (filter.route === undefined || c.route === filter.route))
        .map((c) => ({ ...c })),
    resetCalls: () => {
      recorded.length = 0;
      counters.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        lifetime.abort();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
