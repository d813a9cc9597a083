import type { KeyView } from '../api/types.js';

/** A key as the listing returns it, for component and unit tests; overrides change one field or more. */
export function keyView(overrides: Partial<KeyView> = {}): KeyView {
  return {
    id: 'k1',
    provider: 'openai',
    provider_name: 'OpenAI',
    label: 'default',
    priority: 1,
    models: null,
    health: { state: 'ok', cooldown_until: null, failing_since: null, last_15m: { requests: 0, errors: 0, p50_latency_ms: null } },
    masked_key: 'sk-proj-****1234',
    enabled: true,
    status: 'valid',
    usable: true,
    last_tested_at: '2026-12-06T18:00:00Z',
    last_test_message: null,
    last_test_latency_ms: 120,
    models_count: 4,
    expires_at: null,
    key_version: 1,
    created_at: '2026-12-06T18:00:00Z',
    updated_at: '2026-12-06T18:00:00Z',
    ...overrides,
  };
}
