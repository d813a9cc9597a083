import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { AppError } from '@byok/http';
import { describe, expect, it } from 'vitest';
import { createConcurrencyLimiter } from './concurrency-limiter.js';
import type { RateVerdict } from './request-rate-limiter.js';
import { createUpstreamAdmission } from './upstream-admission.js';

/** A response that closes on command, as Node's does when the answer ends or the client leaves. */
const response = () => Object.assign(new EventEmitter(), { closed: false }) as unknown as ServerResponse & EventEmitter;

function setup(verdict: RateVerdict = undefined) {
  const concurrency = createConcurrencyLimiter();
  const taken: string[] = [];
  const admission = createUpstreamAdmission({
    concurrency,
    rates: {
      async take(userId, source) {
        taken.push(`${userId}:${source}`);
        return verdict;
      },
    },
    maxConcurrentPerUser: 2,
    maxConcurrentPerKey: 1,
  });
  return { admission, concurrency, taken };
}

describe('createUpstreamAdmission', () => {
  it('refuses past the per-user cap with 429 and Retry-After, without spending the rate, and frees the slot when the response closes', async () => {
    const { admission, concurrency, taken } = setup();
    const first = response();
    await admission.admit({ userId: 'u', credentialSource: 'system', keyId: undefined }, first);
    await admission.admit({ userId: 'u', credentialSource: 'system', keyId: undefined }, response());
    const refused = await admission.admit({ userId: 'u', credentialSource: 'system', keyId: undefined }, response()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: 'rate_limited', status: 429, headers: { 'retry-after': '1' } });
    expect(taken).toHaveLength(2);
    first.emit('close');
    expect(concurrency.inFlight('user', 'u')).toBe(1);
    await admission.admit({ userId: 'u', credentialSource: 'system', keyId: undefined }, response());
  });

  it('caps one user key below the user cap', async () => {
    const { admission } = setup();
    await admission.admit({ userId: 'u', credentialSource: 'user_provider', keyId: 'k1' }, response());
    await expect(admission.admit({ userId: 'u', credentialSource: 'user_provider', keyId: 'k1' }, response())).rejects.toMatchObject({ message: expect.stringContaining('with this key') });
    await admission.admit({ userId: 'u', credentialSource: 'user_provider', keyId: 'k2' }, response());
  });

  it('refuses past the rate with its Retry-After and gives the concurrency slot back', async () => {
    const { admission, concurrency } = setup({ retryAfterSeconds: 42, limitPerMinute: 60 });
    await expect(admission.admit({ userId: 'u', credentialSource: 'system', keyId: undefined }, response())).rejects.toMatchObject({
      code: 'rate_limited',
      headers: { 'retry-after': '42' },
      message: expect.stringContaining('through the platform key: at most 60 per minute'),
    });
    expect(concurrency.inFlight('user', 'u')).toBe(0);
  });
});
