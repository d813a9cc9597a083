import { describe, expect, it } from 'vitest';
import { createConcurrencyLimiter } from './concurrency-limiter.js';

describe('createConcurrencyLimiter', () => {
  it('takes a slot under every id or none, and refuses the first full one', () => {
    const limiter = createConcurrencyLimiter();
    const first = limiter.tryAcquire([{ scope: 'user', id: 'a', limit: 2 }, { scope: 'key', id: 'k', limit: 1 }]);
    expect('release' in first).toBe(true);
    // The key is full: nothing is taken under the user either.
    expect(limiter.tryAcquire([{ scope: 'user', id: 'a', limit: 2 }, { scope: 'key', id: 'k', limit: 1 }])).toEqual({ full: { scope: 'key', id: 'k', limit: 1 } });
    expect(limiter.inFlight('user', 'a')).toBe(1);
    const second = limiter.tryAcquire([{ scope: 'user', id: 'a', limit: 2 }]);
    expect(limiter.tryAcquire([{ scope: 'user', id: 'a', limit: 2 }])).toEqual({ full: { scope: 'user', id: 'a', limit: 2 } });
    if ('release' in first) {
      first.release();
      first.release();
    }
    expect(limiter.inFlight('user', 'a')).toBe(1);
    expect(limiter.inFlight('key', 'k')).toBe(0);
    if ('release' in second) second.release();
    expect(limiter.inFlight('user', 'a')).toBe(0);
  });

  it('counts a user and a key with the same id apart', () => {
    const limiter = createConcurrencyLimiter();
    expect('release' in limiter.tryAcquire([{ scope: 'user', id: 'x', limit: 1 }])).toBe(true);
    expect('release' in limiter.tryAcquire([{ scope: 'key', id: 'x', limit: 1 }])).toBe(true);
    expect(limiter.inFlight('user', 'x')).toBe(1);
    expect(limiter.inFlight('key', 'x')).toBe(1);
  });

  it('does not count an id whose cap is 0 (no cap)', () => {
    const limiter = createConcurrencyLimiter();
    for (let i = 0; i < 100; i++) expect('release' in limiter.tryAcquire([{ scope: 'user', id: 'a', limit: 0 }])).toBe(true);
    expect(limiter.inFlight('user', 'a')).toBe(0);
  });
});
