import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config, ProxySettings } from '@byok/config';
import type { Logger } from '@byok/telemetry';
import { openUsageSpool, type UsageSpool } from './usage-spool.js';

/** Log spool write or read errors at most this often (a full disk fails every request). */
const ERROR_LOG_INTERVAL_MS = 10_000;
/** Events per spool file: a file is deleted once all its events are queued. */
const SEGMENT_MAX_EVENTS = 5000;

/**
 * The proxy's usage spool: `PROXY_USAGE_SPOOL_DIR` (default `<tmpdir>/byok-proxy-usage`), one
 * subdirectory per Redis prefix, since the events there belong to that prefix's usage queue.
 */
export function openProxyUsageSpool(deps: { config: Pick<Config, 'redisPrefix'> }, settings: ProxySettings, logger: Logger): UsageSpool {
  const root = settings.usageSpoolDir ?? join(tmpdir(), 'byok-proxy-usage');
  let lastErrorLogAt = 0;
  return openUsageSpool({
    dir: join(root, encodeURIComponent(deps.config.redisPrefix)),
    segmentMaxEvents: Math.max(1, Math.min(settings.usageBufferMax, SEGMENT_MAX_EVENTS)),
    onError(err, what) {
      const at = Date.now();
      if (at - lastErrorLogAt < ERROR_LOG_INTERVAL_MS) return;
      lastErrorLogAt = at;
      logger.error({ err }, `usage spool: ${what} failed; events are kept in memory only meanwhile`);
    },
  });
}
