import { describe, expect, it } from 'vitest';
import { createTtlCache } from './ttl-cache.js';

function setup(ttlMs = 100, maxEntries = 10) {
  let now = 0;
  const loads: string[] = [];
  const gates = new Map<string, () => void>();
  const cache = createTtlCache<string>({
    load: (key) => {
      loads.push(key);
      return new Promise((resolve) => gates.set(key, () => resolve(`${key}@${loads.length}`)));
    },
    ttlMs,
    maxEntries,
    now: () => now,
  });
  const open = async (key: string) => {
    await Promise.resolve();
    gates.get(key)?.();
  };
  return { cache, loads, open, advance: (ms: number) => (now += ms) };
}

describe('createTtlCache', () => {
  it('shares one load between concurrent misses and reuses it until the TTL passes', async () => {
    const t = setup();
    const a = t.cache.get('k');
    const b = t.cache.get('k');
    await t.open('k');
    expect(await a).toBe('k@1');
    expect(await b).toBe('k@1');
    expect(await t.cache.get('k')).toBe('k@1');
    t.advance(100);
    const c = t.cache.get('k');
    await t.open('k');
    expect(await c).toBe('k@2');
    expect(t.loads).toEqual(['k', 'k']);
  });

  it('does not keep a load that a drop overtook', async () => {
    const t = setup();
    const a = t.cache.get('k');
    t.cache.drop('k');
    await t.open('k');
    expect(await a).toBe('k@1');
    const b = t.cache.get('k');
    await t.open('k');
    expect(await b).toBe('k@2');
  });

  it('keeps at most maxEntries, dropping the oldest', async () => {
    const t = setup(1000, 2);
    for (const key of ['a', 'b', 'c']) {
      const p = t.cache.get(key);
      await t.open(key);
      await p;
    }
    expect(t.cache.size).toBe(2);
    const again = t.cache.get('a');
    await t.open('a');
    await again;
    expect(t.loads).toEqual(['a', 'b', 'c', 'a']);
  });

  it('does not cache failures', async () => {
    let calls = 0;
    const cache = createTtlCache<number>({
      load: async () => {
        calls++;
        if (calls === 1) throw new Error('db down');
        return 42;
      },
      ttlMs: 1000,
      maxEntries: 10,
    });
    await expect(cache.get('u')).rejects.toThrow('db down');
    expect(await cache.get('u')).toBe(42);
  });
});
