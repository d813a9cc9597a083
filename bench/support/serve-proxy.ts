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
// BENCH_PROXY_NO_USAGE=1 drops usage events instead of queueing them: the benchmark's way to
// show what one BullMQ job per request costs.
const dropUsage = process.env.BENCH_PROXY_NO_USAGE === '1';
const services = await startProxyServices(runtime, dropUsage ? { usageSink: { record: () => undefined, flush: async () => true, close: () => undefined, buffered: 0, dropped: 0 } } : {});
const app = await buildProxy(runtime, { services });
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
announceReady({ url: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}` });
stopOnSignal(async () => {
  await app.close();
  await services.close(2000);
  await runtime.close();
});
