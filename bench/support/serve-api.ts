/** Child-process API server for benchmarks: the real API over the configured database and Redis. */
import { buildApi } from '@byok/api';
import { loadConfig } from '@byok/config';
import { openRuntime } from '@byok/runtime';
import { createLogger } from '@byok/telemetry';

const config = loadConfig();
const runtime = await openRuntime(config, createLogger({ level: config.logLevel, name: 'bench-api' }));
const app = await buildApi(runtime);
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`READY http://127.0.0.1:${(app.server.address() as { port: number }).port}\n`);
process.once('SIGTERM', () => {
  void app.close().then(() => runtime.close()).then(() => process.exit(0));
});
