/** Child process of the proxy benchmark: the minimal pass-through (see `minimal-passthrough.ts`). */
import { announceReady, requiredEnv, stopOnSignal } from './child-process.js';
import { buildMinimalPassthrough } from './minimal-passthrough.js';

const app = await buildMinimalPassthrough({ upstreamUrl: requiredEnv('UPSTREAM_URL'), apiKey: requiredEnv('UPSTREAM_API_KEY'), connections: 256 });
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
announceReady({ url: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}` });
stopOnSignal(() => app.close());
