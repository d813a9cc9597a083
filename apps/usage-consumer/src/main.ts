/**
 * Entry point of a usage-consumer process:
 * `npx tsx --conditions=@byok/source apps/usage-consumer/src/main.ts`, or with OpenTelemetry
 * `node --import tsx --conditions=@byok/source --import ./libs/telemetry/src/instrument.ts apps/usage-consumer/src/main.ts`.
 * Opens the shared runtime and starts the consumer. On SIGTERM/SIGINT it stops taking jobs and
 * waits up to the grace period for the batches in hand to commit (see `runService`). A job cut off
 * by the grace period (or by a crash) is taken over by another consumer once its lock expires;
 * re-running it is harmless because events are stored once per request id.
 */
import { loadConfig } from '@byok/config';
import { openRuntime, runService, startHealthServer } from '@byok/runtime';
import { createLogger } from '@byok/telemetry';
import { startUsageConsumer } from './start-usage-consumer.js';

await runService({
  name: 'usage consumer',
  async start() {
    const config = loadConfig();
    const logger = createLogger({ level: config.logLevel, name: 'usage-consumer' });
    const runtime = await openRuntime(config, logger);
    const consumer = await startUsageConsumer(runtime);
    // HEALTH_PORT > 0: /healthz and /readyz for compose and Kubernetes probes (see README).
    const health = config.healthPort > 0 ? await startHealthServer({ host: config.host, port: config.healthPort, readiness: consumer.readiness }) : undefined;
    if (health) logger.info({ port: health.port }, 'health server listening');
    return {
      logger,
      graceMs: config.shutdownGraceMs,
      stopping: 'committing the batches in hand',
      unfinished: 'jobs in hand (another consumer re-runs them)',
      async stop() {
        await consumer.close();
        await health?.close();
        await runtime.close();
      },
    };
  },
});
