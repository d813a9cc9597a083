import { describeDemoMock, startDemoMockProviders } from './demo-mock.js';

// Standalone mock for manual runs and docker-compose: `npm run mock-providers`.
const port = Number(process.env.PORT ?? 8090);
const slow = process.env.MOCK_SLOW_DELAY_MS;
const mock = await startDemoMockProviders({
  port,
  host: process.env.HOST ?? '127.0.0.1',
  ...(slow ? { slowDelayMs: Number(slow) } : {}),
});

process.stdout.write(`mock providers listening on ${mock.url}\n${describeDemoMock(mock)}`);

const stop = (): void => {
  void mock.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
