/**
 * Entry point of a notifier process:
 * `npx tsx --conditions=@byok/source apps/notifier/src/main.ts`, or with OpenTelemetry
 * `node --import tsx --conditions=@byok/source --import ./libs/telemetry/src/instrument.ts apps/notifier/src/main.ts`.
 * Opens the shared runtime and starts the notifier. On SIGTERM/SIGINT it stops draining and taking
 * jobs and waits up to the grace period for the deliveries in hand (see `runService`). A job cut
 * off (or a process killed) is re-run by another notifier once its lock lapses; every channel
 * delivers once per event.
 */
import { loadConfig } from '@byok/config';
import { openRuntime, runService, startHealthServer } from '@byok/runtime';
import { createLogger } from '@byok/telemetry';
import { startNotifier } from './start-notifier.js';

await runService({
  name: 'notifier',
  async start() {
    const config = loadConfig();
    const logger = createLogger({ level: config.logLevel, name: 'notifier' });
    // The notifier never decrypts a key, so the encryption keys' coverage is not its business.
    const runtime = await openRuntime(config, logger, { storedKeysCheck: 'off' });
    const notifier = await startNotifier(runtime);
    // HEALTH_PORT > 0: /healthz and /readyz for compose and Kubernetes probes (see README).
    const health = config.healthPort > 0 ? await startHealthServer({ host: config.host, port: config.healthPort, readiness: notifier.readiness }) : undefined;
    if (health) logger.info({ port: health.port }, 'health server listening');
    return {
      logger,
      graceMs: config.shutdownGraceMs,
      stopping: 'finishing the deliveries in hand',
      unfinished: 'deliveries in hand (another notifier re-runs them)',
      async stop() {
        await notifier.close();
        await health?.close();
        await runtime.close();
      },
    };
  },
});
