/**
 * Entry point of an API process (multi-process deployments; `npm start` runs apps/standalone).
 * Migrations are not applied here: run `npm run db:migrate` once per release before the API
 * starts, so several instances never race on the schema. Signals and shutdown: see `runService`.
 *
 * With API_WORKERS above 1 (the default is one per core) this process becomes the primary of that
 * many copies of itself (`node:cluster`), which share the port; it serves nothing itself and
 * forwards the signal to every worker.
 */
import { loadConfig } from '@byok/config';
import { closeServerGracefully } from '@byok/http';
import { isSupervisingPrimary, openRuntime, runService, superviseWorkerProcesses } from '@byok/runtime';
import { createLogger } from '@byok/telemetry';
import { buildApi } from './build-api.js';

await runService({
  name: 'api',
  async start() {
    const config = loadConfig();
    const logger = createLogger({ level: config.logLevel, name: 'api' });
    if (isSupervisingPrimary(config.workers.api)) {
      return superviseWorkerProcesses({ groups: [{ role: 'api', count: config.workers.api }], logger, graceMs: config.shutdownGraceMs });
    }
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
