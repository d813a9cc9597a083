import { describe, expect, it } from 'vitest';
import { deferForOutage, outageRetryDelayMs } from './outage-retry.js';

describe('outage retry', () => {
  it('doubles from 1 s with equal jitter and never waits longer than the cap', () => {
    const low = () => 0;
    const high = () => 0.999999;
    expect([1, 2, 3, 4].map((n) => outageRetryDelayMs(n, 30_000, low))).toEqual([500, 1000, 2000, 4000]);
    expect(outageRetryDelayMs(4, 30_000, high)).toBe(7999);
    expect(outageRetryDelayMs(50, 30_000, high)).toBeLessThan(30_000);
    expect(outageRetryDelayMs(50, 30_000, low)).toBe(15_000);
  });

  it('moves the job to the delayed set without spending an attempt, and says so with a DelayedError', async () => {
    const moves: Array<[number, string | undefined]> = [];
    const job = { attemptsStarted: 3, attemptsMade: 1, moveToDelayed: async (at: number, token?: string) => void moves.push([at, token]) };
    const before = Date.now();
    await expect(deferForOutage(job, 'lock-token', new Error('db away'), 1000)).rejects.toMatchObject({ name: 'DelayedError' });
    expect(moves).toHaveLength(1);
    expect(moves[0]?.[1]).toBe('lock-token');
    expect((moves[0]?.[0] ?? 0) - before).toBeLessThanOrEqual(1000 + 50);
  });

  it('rethrows the outage error when the job cannot be moved (Redis itself away)', async () => {
    const outage = new Error('Connection is closed.');
    const job = { attemptsStarted: 1, attemptsMade: 0, moveToDelayed: async () => Promise.reject(new Error('redis down')) };
    await expect(deferForOutage(job, 'token', outage, 1000)).rejects.toBe(outage);
  });
});
