/**
 * The standalone's background process, forked once by `main.ts`: the key-test and maintenance
 * worker, the usage consumer and the notifier, off the HTTP workers' event loops (on the proxy's
 * loop they took a third of its throughput). They start and stop in the order below. Signals and
 * shutdown: see `runService`.
 */
import { startNotifier } from '@byok/notifier';
import { openRuntime, runService } from '@byok/runtime';
import { startUsageConsumer } from '@byok/usage-consumer';
import { startWorker } from '@byok/worker';
import { loadStandaloneConfig } from './standalone-config.js';
import { createStandaloneLogger } from './standalone-logger.js';

await runService({
  name: 'standalone background',
  async start() {
    const { config } = loadStandaloneConfig(process.env);
    const logger = await createStandaloneLogger(config.logLevel);
    const runtime = await openRuntime(config, logger);
    const worker = await startWorker(runtime);
    const consumer = await startUsageConsumer(runtime);
    const notifier = await startNotifier(runtime);
    return {
      logger,
      graceMs: config.shutdownGraceMs,
      stopping: 'finishing running jobs, the usage batches and the deliveries in hand',
      unfinished: 'jobs unfinished (they are re-run at the next start)',
      async stop() {
        await worker.close();
        await consumer.close();
        await notifier.close();
        await runtime.close();
      },
    };
  },
});
