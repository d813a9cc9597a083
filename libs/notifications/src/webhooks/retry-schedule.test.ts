import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_SCHEDULE, retryDelayMs, RetryLaterError, webhookBackoff } from './retry-schedule.js';

describe('the webhook retry schedule', () => {
  it('doubles from 10 s up to an hour apart, with at most a tenth of jitter taken off', () => {
    const noJitter = (n: number) => retryDelayMs(DEFAULT_RETRY_SCHEDULE, n, () => 0);
    expect([1, 2, 3, 4, 9, 10, 30].map(noJitter)).toEqual([10_000, 20_000, 40_000, 80_000, 2_560_000, 3_600_000, 3_600_000]);
    expect(retryDelayMs(DEFAULT_RETRY_SCHEDULE, 1, () => 0.999)).toBeGreaterThanOrEqual(9_000);
  });

  it('fits about thirty attempts into the 24-hour window', () => {
    let elapsed = 0;
    let attempts = 1;
    while (elapsed + retryDelayMs(DEFAULT_RETRY_SCHEDULE, attempts, () => 0) <= DEFAULT_RETRY_SCHEDULE.windowMs) {
      elapsed += retryDelayMs(DEFAULT_RETRY_SCHEDULE, attempts, () => 0);
      attempts += 1;
    }
    expect(attempts).toBeGreaterThanOrEqual(28);
    expect(attempts).toBeLessThan(100); // the queue's attempts must not end the window early
  });

  it('waits exactly what the processor recorded, and follows the schedule for other errors', () => {
    const backoff = webhookBackoff({ firstDelayMs: 100, maxDelayMs: 1_000, windowMs: 10_000 });
    expect(backoff(3, 'webhook', new RetryLaterError('the receiver answered 500', 1234))).toBe(1234);
    const other = backoff(3, 'webhook', new Error('Connection terminated'));
    expect(other).toBeGreaterThan(350);
    expect(other).toBeLessThanOrEqual(400);
  });
});
