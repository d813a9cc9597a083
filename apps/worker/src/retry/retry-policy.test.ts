import { describe, expect, it } from 'vitest';
import { createProviderBackoff, MAX_BACKOFF_MS, providerBackoffDelayMs } from './provider-backoff.js';
import { RetryableJobError } from './retryable-error.js';

const low = { random: () => 0 };
const high = { random: () => 0.999999 };

describe('provider backoff', () => {
  it('honours a provider retry-after, never waiting less, with at most 20 % jitter', () => {
    const error = new RetryableJobError('rate limited', { retryAfterMs: 1000 });
    expect(providerBackoffDelayMs({ attemptsMade: 1, error }, low)).toBe(1000);
    expect(providerBackoffDelayMs({ attemptsMade: 4, error }, high)).toBe(1199);
  });

  it('caps a long retry-after at 60 s', () => {
    const error = new RetryableJobError('rate limited', { retryAfterMs: 10 * 60_000 });
    expect(providerBackoffDelayMs({ attemptsMade: 1, error }, high)).toBe(MAX_BACKOFF_MS);
  });

  it('falls back to exponential from the job base delay, with equal jitter', () => {
    const error = new RetryableJobError('unreachable');
    const delays = [1, 2, 3, 4].map((attemptsMade) => [
      providerBackoffDelayMs({ attemptsMade, error, jobBaseDelayMs: 1000 }, low),
      providerBackoffDelayMs({ attemptsMade, error, jobBaseDelayMs: 1000 }, high),
    ]);
    expect(delays).toEqual([
      [500, 999],
      [1000, 1999],
      [2000, 3999],
      [4000, 7999],
    ]);
  });

  it('lets the error name its own base (the short not-yet-visible wait) and caps the growth', () => {
    const error = new RetryableJobError('not visible', { baseDelayMs: 500 });
    expect(providerBackoffDelayMs({ attemptsMade: 1, error, jobBaseDelayMs: 5000 }, low)).toBe(250);
    expect(providerBackoffDelayMs({ attemptsMade: 30, error }, high)).toBeLessThan(MAX_BACKOFF_MS);
    expect(providerBackoffDelayMs({ attemptsMade: 30, error }, low)).toBe(MAX_BACKOFF_MS / 2);
  });

  it('treats errors that are not ours (a bug, Postgres away) like an unreachable provider', () => {
    expect(providerBackoffDelayMs({ attemptsMade: 2, error: new Error('boom') }, low)).toBe(1000);
  });

  it('reads the base delay from the job options as BullMQ passes them', async () => {
    const strategy = createProviderBackoff(low);
    const job = { opts: { backoff: { type: 'provider', delay: 40 } } } as unknown as Parameters<typeof strategy>[3];
    expect(await strategy(3, 'provider', new RetryableJobError('x'), job)).toBe(80);
  });
});
