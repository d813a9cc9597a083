import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Readiness, readinessHttpStatus } from './readiness.js';

/** A running health server. */
export interface HealthServer {
  /** The port it listens on (the one asked for, or the one the system chose for 0 in tests). */
  port: number;
  close(): Promise<void>;
}

export interface HealthServerOptions {
  host: string;
  port: number;
  /** Probed on every `GET /readyz`. */
  readiness: () => Promise<Readiness>;
}

/**
 * The small HTTP server of a process without an API of its own (worker, usage consumer), for
 * compose and Kubernetes probes: `GET /healthz` is 200 while the process runs; `GET /readyz`
 * answers the process's `Readiness` as JSON, 200 for `ok` and `degraded`, 503 for `down`. Anything
 * else is 404. It serves no data and takes no input, so it needs no authentication; bind it where
 * only the orchestrator reaches it.
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server = createServer((request, response) => {
    const send = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      response.end(JSON.stringify(body));
    };
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(405, { error: { code: 'method_not_allowed', message: 'Only GET is served here' } });
    if (path === '/healthz') return send(200, { status: 'ok' });
    if (path !== '/readyz') return send(404, { error: { code: 'not_found', message: 'Only /healthz and /readyz are served here' } });
    options.readiness().then(
      (readiness) => send(readinessHttpStatus(readiness), readiness),
      () => send(503, { status: 'down', checks: {} }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
