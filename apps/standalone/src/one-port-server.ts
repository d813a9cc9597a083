import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The part of a Fastify instance the one-port server dispatches to. */
export interface RoutedApp {
  /** Fastify's request handler (what its own server would call), usable once `ready()` resolved. */
  routing(request: IncomingMessage, response: ServerResponse): void;
  ready(): PromiseLike<unknown>;
  close(): PromiseLike<unknown>;
}

export interface OnePortServerOptions {
  /** Serves every path the proxy does not. */
  api: RoutedApp;
  /** Serves exactly `proxyPaths`, with its own hooks only. */
  proxy: RoutedApp;
  proxyPaths: readonly string[];
  host: string;
  port: number;
}

export interface OnePortServer {
  port: number;
  /**
   * Stops accepting connections, serves a request that still arrives on an open connection and
   * then closes that connection, waits for the requests in flight, then closes both apps (their
   * onClose hooks run after the last request rather than under it).
   */
  close(): Promise<void>;
}

/** Node's default is 5 s; Fastify's, which the API and proxy had on their own ports, is 72 s. */
const KEEP_ALIVE_TIMEOUT_MS = 72_000;
const IDLE_SWEEP_MS = 100;

/**
 * One HTTP server for the standalone's one port, handing each request to the API or to the proxy,
 * two separate Fastify instances. Mounted inside the API, the proxy's routes ran the API's
 * root-level hooks (request context, authentication, OpenAPI, per-request logging) on every
 * proxied request; here a proxied request costs one string comparison more than on the proxy's
 * own port.
 */
export async function listenOnePort(options: OnePortServerOptions): Promise<OnePortServer> {
  await Promise.all([options.api.ready(), options.proxy.ready()]);
  const proxyPaths = new Set(options.proxyPaths);
  let closing = false;
  const server = createServer((request, response) => {
    if (closing) response.setHeader('connection', 'close');
    const url = request.url ?? '/';
    const query = url.indexOf('?');
    const app = proxyPaths.has(query === -1 ? url : url.slice(0, query)) ? options.proxy : options.api;
    app.routing(request, response);
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      closing = true;
      // server.close() waits for every connection; keep-alive ones are closed as soon as they idle.
      const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
      sweep.unref();
      try {
        await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      } finally {
        clearInterval(sweep);
      }
      await Promise.all([options.api.close(), options.proxy.close()]);
    },
  };
}
