import { describe, expect, it } from 'vitest';
import type { Principal } from './principal.js';
import { VerifiedTokenCache } from './verified-token.cache.js';

function principal(userId: string): Principal {
  return { userId, roles: [], isAdmin: false, subject: userId, authMethod: 'jwt' };
}

function clock(startMs: number): { now: () => number; advance: (ms: number) => void } {
  let current = startMs;
  return { now: () => current, advance: (ms) => (current += ms) };
}

describe('VerifiedTokenCache', () => {
  it('keeps an entry no longer than ttlSeconds, even when the token lives longer', () => {
    const time = clock(1_000_000);
    const cache = new VerifiedTokenCache({ ttlSeconds: 60, now: time.now });
    cache.set('t1', principal('a'), 1_000_000 / 1000 + 3600);
    time.advance(59_999);
    expect(cache.get('t1')?.userId).toBe('a');
    time.advance(1);
    expect(cache.get('t1')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps an entry no longer than the token exp', () => {
    const time = clock(1_000_000);
    const cache = new VerifiedTokenCache({ ttlSeconds: 60, now: time.now });
    cache.set('t1', principal('a'), 1_000_000 / 1000 + 10);
    time.advance(9_999);
    expect(cache.get('t1')).toBeDefined();
    time.advance(1);
    expect(cache.get('t1')).toBeUndefined();
  });

  it('does not store tokens without exp or already expired', () => {
    const time = clock(1_000_000);
    const cache = new VerifiedTokenCache({ now: time.now });
    cache.set('no-exp', principal('a'), undefined);
    cache.set('expired', principal('a'), 999);
    expect(cache.size).toBe(0);
  });

  it('is bounded and evicts the least recently used entry', () => {
    const time = clock(0);
    const cache = new VerifiedTokenCache({ maxEntries: 3, now: time.now });
    const exp = 3600;
    cache.set('a', principal('a'), exp);
    cache.set('b', principal('b'), exp);
    cache.set('c', principal('c'), exp);
    expect(cache.get('a')).toBeDefined(); // a is now the most recently used
    cache.set('d', principal('d'), exp);
    expect(cache.size).toBe(3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('c')).toBeDefined();
    expect(cache.get('d')).toBeDefined();
  });

  it('stays at its bound under many distinct tokens', () => {
    const cache = new VerifiedTokenCache({ maxEntries: 100, now: () => 0 });
    for (let i = 0; i < 1000; i += 1) cache.set(`token-${i}`, principal(`u${i}`), 3600);
    expect(cache.size).toBe(100);
    expect(cache.get('token-999')?.userId).toBe('u999');
    expect(cache.get('token-0')).toBeUndefined();
  });
});
