import { describe, expect, it } from 'vitest';
import { failureOfStatus, mayFailOverAfterBreak, retryAfterMs } from './failover.js';

const now = Date.UTC(2026, 11, 10, 12, 0, 0);

describe('retryAfterMs', () => {
  it('reads whole seconds and a future IMF-fixdate', () => {
    expect(retryAfterMs('2', now)).toBe(2000);
    expect(retryAfterMs(' 30 ', now)).toBe(30_000);
    expect(retryAfterMs(['7', '9'], now)).toBe(7000);
    expect(retryAfterMs('Thu, 10 Dec 2026 12:00:05 GMT', now)).toBe(5000);
  });

  it.each([
    ['a negative number', '-5'],
    ['a sign', '+5'],
    ['a fraction', '1.5'],
    ['an exponent', '1e3'],
    ['a list', '5, 6'],
    ['words around a number', 'soon 2'],
    ['text', 'abc 2'],
    ['nothing', ''],
    ['no wait at all', '0'],
    ['a date in the past', 'Wed, 21 Oct 2015 07:28:00 GMT'],
    ['now', 'Thu, 10 Dec 2026 12:00:00 GMT'],
    ['an impossible date', 'Mon, 31 Feb 2099 07:28:00 GMT'],
    ['an impossible hour', 'Thu, 10 Dec 2026 24:00:05 GMT'],
    ['a date that is not GMT', 'Thu, 10 Dec 2026 13:00:05 +0100'],
  ])('is undefined for %s (%j): the key is cooled exponentially instead', (_name, header) => {
    expect(retryAfterMs(header, now)).toBeUndefined();
    expect(failureOfStatus(429, header, now)).toEqual({ kind: 'rate_limited', retryAfterMs: undefined });
  });

  it('reads the obsolete HTTP-date forms a recipient must accept too', () => {
    expect(retryAfterMs('Thursday, 10-Dec-26 12:00:05 GMT', now)).toBe(5000);
    expect(retryAfterMs('Thu Dec 10 12:00:05 2026', now)).toBe(5000);
  });

  it('is undefined without the header', () => {
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});

describe('mayFailOverAfterBreak', () => {
  const broken = { answeredStatus: undefined, stream: false, replySent: false, platformKey: false, budgeted: false };

  it('moves on when no answer had come, from any key, streamed or not', () => {
    expect(mayFailOverAfterBreak(broken)).toBe(true);
    expect(mayFailOverAfterBreak({ ...broken, stream: true, platformKey: true })).toBe(true);
  });

  it("moves on from the user's own key whose non-streamed answer broke off", () => {
    expect(mayFailOverAfterBreak({ ...broken, answeredStatus: 200 })).toBe(true);
  });

  it("never once the client has something, for a started stream, or for a platform key's broken answer (the upstream billed it)", () => {
    expect(mayFailOverAfterBreak({ ...broken, replySent: true })).toBe(false);
    expect(mayFailOverAfterBreak({ ...broken, answeredStatus: 200, stream: true })).toBe(false);
    expect(mayFailOverAfterBreak({ ...broken, answeredStatus: 200, platformKey: true })).toBe(false);
  });

  it('not after a broken answer while a budget is held: the budget counts the request once, by the attempt that ends it', () => {
    expect(mayFailOverAfterBreak({ ...broken, answeredStatus: 200, budgeted: true })).toBe(false);
    expect(mayFailOverAfterBreak({ ...broken, budgeted: true })).toBe(true);
  });

  it("not after a broken 400, 404 or 422 (the caller's problem), but after a broken failover status's error body", () => {
    for (const status of [400, 404, 422]) expect(mayFailOverAfterBreak({ ...broken, answeredStatus: status })).toBe(false);
    for (const status of [429, 503]) expect(mayFailOverAfterBreak({ ...broken, answeredStatus: status })).toBe(true);
  });
});
