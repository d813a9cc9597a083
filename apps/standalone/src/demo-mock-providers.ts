import { PROVIDER_IDS } from '@byok/providers';

/** The in-process mock of `npm start -- --mock-providers`. */
export interface DemoMock {
  /** Fake keys and base URLs, for the start banner. */
  banner: string;
  close(): Promise<void>;
}

/**
 * Starts the mock providers in this process and points every `PROVIDER_<ID>_BASE_URL` of `env` at
 * them (replacing any set before: the flag asks for an offline run). Call before the config is
 * loaded. The mock is the tests' fake of the providers (apps/mock-providers); it is imported only
 * here, on request, so nothing else in the app loads it.
 */
export async function startDemoMock(env: NodeJS.ProcessEnv): Promise<DemoMock> {
  const { describeDemoMock, startDemoMockProviders } = await import('@byok/mock-providers/demo');
  const slow = Number(env.MOCK_SLOW_DELAY_MS);
  const mock = await startDemoMockProviders({ host: '127.0.0.1', ...(Number.isFinite(slow) && slow > 0 ? { slowDelayMs: slow } : {}) });
  for (const id of PROVIDER_IDS) env[`PROVIDER_${id.toUpperCase()}_BASE_URL`] = mock.baseUrls[id];
  return { banner: describeDemoMock(mock, { baseUrls: false }), close: () => mock.close() };
}
