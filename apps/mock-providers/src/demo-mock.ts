import { PROVIDER_IDS } from '@byok/providers';
import { chatRoutes } from './chat/index.js';
import { fakeKey, type Scenario } from './fake-keys.js';
import { type MockProviders, type MockProvidersOptions, startMockProviders } from './mock-server.js';

/**
 * The mock as a person tries the gateway with it: every key-check and chat route. Used by
 * `npm run mock-providers` and by `npm start -- --mock-providers` (in-process).
 */
export function startDemoMockProviders(options: Omit<MockProvidersOptions, 'extraRoutes'> = {}): Promise<MockProviders> {
  return startMockProviders({ ...options, extraRoutes: chatRoutes });
}

/** The fake keys worth trying by hand: one that works and one for each common failure. */
export const DEMO_SCENARIOS: readonly Scenario[] = ['valid', 'invalid', 'no_credit', 'rate_limited', 'slow'];

/**
 * What to paste where: each provider's base URL (optional) and its fake key per scenario. The keys
 * are fake and mean something only to this mock.
 */
export function describeDemoMock(mock: MockProviders, { baseUrls = true }: { baseUrls?: boolean } = {}): string {
  const lines = [`Mock providers at ${mock.url}; fake keys (only this mock knows them):`];
  for (const id of PROVIDER_IDS) {
    lines.push(baseUrls ? `  ${id}  (base URL ${mock.baseUrls[id]})` : `  ${id}`);
    for (const scenario of DEMO_SCENARIOS) lines.push(`    ${scenario.padEnd(12)} ${fakeKey(id, scenario)}`);
  }
  lines.push('  `slow` answers after MOCK_SLOW_DELAY_MS (default 5 s); apps/mock-providers/README.md lists every scenario.');
  return `${lines.join('\n')}\n`;
}
