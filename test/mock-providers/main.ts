import { PROVIDER_IDS } from '@byok/providers';
import { fakeKey } from './fake-keys.js';
import { chatRoutes } from './chat/index.js';
import { startMockProviders } from './mock-server.js';

// Standalone mock for manual runs and docker-compose: `npm run mock-providers`.
const port = Number(process.env.PORT ?? 8090);
const slow = process.env.MOCK_SLOW_DELAY_MS;
const mock = await startMockProviders({
  port,
  host: process.env.HOST ?? '127.0.0.1',
  extraRoutes: chatRoutes,
  ...(slow ? { slowDelayMs: Number(slow) } : {}),
});

console.log(`mock providers listening on ${mock.url}`);
for (const id of PROVIDER_IDS) console.log(`  ${id.padEnd(11)} ${mock.baseUrls[id]}`);
// These keys are fake and only mean something to this mock; other scenarios: see README.md.
console.log('valid fake keys:');
for (const id of PROVIDER_IDS) console.log(`  ${id.padEnd(11)} ${fakeKey(id, 'valid')}`);

const stop = (): void => {
  void mock.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
