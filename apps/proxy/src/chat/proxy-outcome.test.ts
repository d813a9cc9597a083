import { describe, expect, it } from 'vitest';
import { proxyOutcome } from './proxy-outcome.js';

describe('proxyOutcome', () => {
  it('maps the recorded status to the shared outcome vocabulary', () => {
    expect([200, 400, 401, 402, 429, 499, 502, 503, 504].map((s) => proxyOutcome(s, false))).toEqual([
      'success', 'client_error', 'client_error', 'client_error', 'rate_limited', 'client_error', 'upstream_error', 'upstream_error', 'timeout',
    ]);
    expect(proxyOutcome(200, true)).toBe('aborted');
  });
});
