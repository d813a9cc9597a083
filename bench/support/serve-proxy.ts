/**
 * Child process of the proxy benchmark: the real proxy (`buildProxy`) on the real runtime —
 * Postgres, Redis, the route cache and its subscription, usage events onto the queue — configured
 * from the environment exactly like `apps/proxy/src/main.ts`, on a free port.
 */
import { loadConfig } from '@byok/config';
import { buildProxy, startProxyServices } from '@byok/proxy';
import { openRuntime } from '@byok/runtime';
import { createLogger } from '@byok/telemetry';
import { announceReady, stopOnSignal } from './child-process.js';

const config = loadConfig();
const runtime = await openRuntime(config, createLogger({ level: config.logLevel, name: 'proxy-bench' }));
const services = await startProxyServices(runtime);
const app = await buildProxy(runtime, { services });
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
announceReady({ url: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}` });
stopOnSignal(async () => {
  await app.close();
  await services.close(2000);
  await runtime.close();
});
