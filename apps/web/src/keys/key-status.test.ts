import { describe, expect, it } from 'vitest';
import type { KeyView } from '../api/types.js';
import { describeResult } from './key-status.js';

const key = (overrides: Partial<KeyView>): KeyView => ({
  id: 'k1',
  provider: 'openai',
  provider_name: 'OpenAI',
  label: null,
  masked_key: 'sk-proj-****1234',
  enabled: true,
  status: 'valid',
  usable: true,
  last_tested_at: '2026-12-06T18:00:00Z',
  last_test_message: null,
  last_test_latency_ms: 120,
  models_count: 4,
  key_version: 1,
  created_at: '2026-12-06T18:00:00Z',
  updated_at: '2026-12-06T18:00:00Z',
  ...overrides,
});

describe('describeResult', () => {
  // Issue #20: "OpenAI rejected the key: OpenAI rejected the key (401 …)."
  it("shows a rejection in the server's own sentence, once", () => {
    expect(describeResult(key({ status: 'invalid', last_test_message: 'OpenAI rejected the key (401 invalid_api_key).' }))).toBe('OpenAI rejected the key (401 invalid_api_key).');
    expect(describeResult(key({ status: 'invalid', last_test_message: null }))).toBe('OpenAI rejected the key.');
  });

  it('names the provider for a working key and for a check that could not run', () => {
    expect(describeResult(key({}))).toBe('OpenAI key works: 4 models reachable.');
    expect(describeResult(key({ status: 'error', last_test_message: 'OpenAI did not answer within 10 s.' }))).toBe('Could not check the OpenAI key: OpenAI did not answer within 10 s.');
  });
});
