/**
 * Entry point of an API process (multi-process deployments; `npm start` runs apps/standalone).
 * Migrations are not applied here: run `npm run db:migrate` once per release before the API
 * starts, so several instances never race on the schema. Signals and shutdown: see `runService`.
 */
import { loadConfig } from '@byok/config';
import { closeServerGracefully } from '@byok/http';
import { openRuntime, runService } from '@byok/runtime';
import { createLogger } from '@byok/telemetry';
import { buildApi } from './build-api.js';

await runService({
  name: 'api',
  async start() {
    const config = loadConfig();
    const logger = createLogger({ level: config.logLevel, name: 'api' });
    const runtime = await openRuntime(config, logger);
    const app = await buildApi(runtime);
    await app.listen({ host: config.host, port: config.port });
    return {
      logger,
      graceMs: config.shutdownGraceMs,
      stopping: 'finishing in-flight requests',
      unfinished: 'requests unfinished',
      async stop() {
        await closeServerGracefully(app);
        await runtime.close();
      },
    };
  },
});
