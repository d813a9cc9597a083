import { describe, expect, it } from 'vitest';
import type { KeyTestOutcome } from '../key-test/key-test.check.js';
import { attemptBudget, createProviderBackoff, isTransientOutcome, MAX_BACKOFF_MS, notVisibleRetry, providerBackoffDelayMs, RetryableJobError, transientRetry } from './retry-policy.js';

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

describe('attempt budget', () => {
  it('bounds provider calls by the smaller of the job attempts and the configured maximum', () => {
    expect(attemptBudget({ attemptsMade: 0, opts: { attempts: 5 } }, 3)).toEqual({ attempt: 1, runLimit: 5, providerLimit: 3 });
    expect(attemptBudget({ attemptsMade: 1, opts: { attempts: 2 } }, 5)).toEqual({ attempt: 2, runLimit: 2, providerLimit: 2 });
    expect(attemptBudget({ attemptsMade: 0, opts: {} }, 5)).toEqual({ attempt: 1, runLimit: 1, providerLimit: 1 });
  });
});

describe('which runs are retried', () => {
  it.each<[KeyTestOutcome, boolean]>([
    ['valid', false],
    ['invalid', false],
    ['no_credit', false],
    ['rate_limited', true],
    ['unreachable', true],
    ['undecryptable', false],
  ])('%s is transient: %s', (outcome, transient) => {
    expect(isTransientOutcome(outcome)).toBe(transient);
  });

  it('retries a transient outcome with the provider retry-after until the provider budget is spent', () => {
    const budget = { attempt: 2, runLimit: 5, providerLimit: 3 };
    expect(transientRetry({ outcome: 'rate_limited', message: 'slow down', retryAfterMs: 1500 }, budget)).toMatchObject({ name: 'RetryableJobError', message: 'slow down', retryAfterMs: 1500 });
    expect(transientRetry({ outcome: 'unreachable', message: 'down' }, budget)?.retryAfterMs).toBeUndefined();
    expect(transientRetry({ outcome: 'unreachable', message: 'down' }, { ...budget, attempt: 3 })).toBeUndefined();
    expect(transientRetry({ outcome: 'invalid', message: 'no' }, budget)).toBeUndefined();
  });

  it('looks again for a row not yet visible until the last run, sooner for a candidate someone waits for', () => {
    const budget = { attempt: 1, runLimit: 2, providerLimit: 2 };
    expect(notVisibleRetry('key version', budget)).toMatchObject({ message: 'key version not visible yet (its save may not have committed)', baseDelayMs: 500 });
    expect(notVisibleRetry('key candidate', budget)).toMatchObject({ baseDelayMs: 200 });
    expect(notVisibleRetry('key version', { ...budget, attempt: 2 })).toBeUndefined();
  });
});
