/**
 * True when an ioredis error means "Redis cannot be reached right now" (the fail-fast command
 * connection refuses commands while disconnected), so callers answer 503 rather than 500.
 * Only ioredis's own failure shapes match: a bare ECONNREFUSED could just as well be Postgres.
 */
export function isRedisUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'MaxRetriesPerRequestError') return true;
  return /enableOfflineQueue options is false|Connection is closed|Stream isn't writeable/.test(error.message);
}
