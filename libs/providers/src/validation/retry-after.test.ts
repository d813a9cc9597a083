import { describe, expect, it } from 'vitest';
import { readRetryAfterMs } from './retry-after.js';

describe('readRetryAfterMs', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');

  it.each([
    [{ 'retry-after': '1' }, '', 1000],
    [{ 'retry-after': '0.5' }, '', 500],
    [{ 'retry-after': 'Wed, 01 Jan 2025 00:00:30 GMT' }, '', 30_000],
    [{ 'retry-after': '999999' }, '', 3_600_000],
    [{ 'retry-after': 'soon' }, '', undefined],
    [{}, '', undefined],
    [{}, '{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"13s"}]}}', 13_000],
  ])('%o %s → %s', (headers, body, expected) => {
    expect(readRetryAfterMs(headers, body, now)).toBe(expected);
  });
});
