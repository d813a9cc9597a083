/**
 * Entry point of an API process (multi-process deployments; `npm start` runs apps/standalone).
 * Migrations are not applied here: run `npm run db:migrate` once per release before the API
 * starts, so several instances never race on the schema.
 */
import { loadConfig } from '@byok/config';
import { openRuntime } from '@byok/runtime';
import { closeServerGracefully } from '@byok/http';
import { createLogger, shutdownTelemetry } from '@byok/telemetry';
import { buildApi } from './build-api.js';

const config = loadConfig();
const logger = createLogger({ level: config.logLevel, name: 'api' });
const runtime = await openRuntime(config, logger);
const app = await buildApi(runtime);
await app.listen({ host: config.host, port: config.port });

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down: finishing in-flight requests');
  setTimeout(() => {
    logger.error('shutdown grace period exceeded; exiting');
    process.exit(1);
  }, config.shutdownGraceMs).unref();
  await closeServerGracefully(app);
  await runtime.close();
  // The spans of the last requests go out before the process does.
  await shutdownTelemetry();
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
