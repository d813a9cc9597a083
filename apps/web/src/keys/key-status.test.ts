import { describe, expect, it } from 'vitest';
import { describeResult } from './key-status.js';
import { keyView } from './key-view.fixture.js';

const key = keyView;

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
