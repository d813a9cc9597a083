import type { Runtime, StartedService } from '@byok/runtime';
import type { ProxyServices } from './proxy-services.js';

/** Share of the grace period kept for the usage flush even when the last request ended late. */
const FLUSH_SHARE = 0.2;
/** Kept back from the grace period for closing the runtime after the flush. */
const RUNTIME_CLOSE_MS = 500;

/**
 * What `runService` needs of a process that serves the proxy (its own process, or a standalone
 * HTTP worker): on the signal it closes the server (in-flight requests, streams included, finish),
 * flushes the usage events still in memory with at least a fifth of the grace period, then closes
 * the runtime.
 */
export function servingProxy(options: { runtime: Runtime; services: ProxyServices; graceMs: number; closeServer: () => Promise<void> }): StartedService {
  const { runtime, services, graceMs } = options;
  return {
    logger: runtime.logger,
    graceMs,
    stopping: 'finishing in-flight requests',
    unfinished: 'requests or usage events unfinished (unsent events stay in the usage spool and are replayed at the next start)',
    unfinishedCounts: () => ({ bufferedUsageEvents: services.usage.buffered }),
    async stop({ msLeft }) {
      await options.closeServer();
      await services.close(Math.max(graceMs * FLUSH_SHARE, msLeft() - RUNTIME_CLOSE_MS));
      await runtime.close();
    },
  };
}
