import { release, reserve, reservedTotal, settle } from '@byok/reservations';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteRedisPrefix } from '../support/redis-cleanup.js';
import { testServiceUrls, uniqueTestName } from '../support/services.js';

const prefix = uniqueTestName('reservations');
let redis: Redis;

beforeAll(() => {
  redis = new Redis(testServiceUrls().redisUrl, { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  redis.disconnect();
  await deleteRedisPrefix(prefix);
});

const scopeOf = (name: string) => ({ prefix, scope: name });

describe('reservations', () => {
  it('a 30-way burst of reservations never takes more than the limit', async () => {
    const scope = scopeOf('burst');
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => reserve(redis, { ...scope, id: `r${i}`, ttlMs: 60_000, counters: [{ counter: 'credits', amount: 200, limit: 1000 }] })),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(5);
    expect(await reservedTotal(redis, scope, 'credits')).toBe(1000);
    expect(results.find((r) => !r.ok)).toEqual({ ok: false, counter: 'credits', reservedTotal: 1000 });
  });

  it('reserves on several counters all or nothing, naming the counter that refused', async () => {
    const scope = scopeOf('multi');
    const counters = [
      { counter: 'requests', amount: 1, limit: 10 },
      { counter: 'tokens', amount: 600, limit: 1000 },
    ];
    expect(await reserve(redis, { ...scope, id: 'a', ttlMs: 60_000, counters })).toEqual({ ok: true, totals: [1, 600] });
    expect(await reserve(redis, { ...scope, id: 'b', ttlMs: 60_000, counters })).toEqual({ ok: false, counter: 'tokens', reservedTotal: 600 });
    // Nothing of the refused reservation was taken on the counter that had room.
    expect(await reservedTotal(redis, scope, 'requests')).toBe(1);
  });

  it('reserving the same id twice holds it once', async () => {
    const scope = scopeOf('same-id');
    const input = { ...scope, id: 'x', ttlMs: 60_000, counters: [{ counter: 'c', amount: 70, limit: 100 }] };
    expect(await reserve(redis, input)).toEqual({ ok: true, totals: [70] });
    expect(await reserve(redis, input)).toEqual({ ok: true, totals: [70] });
    expect(await reservedTotal(redis, scope, 'c')).toBe(70);
  });

  it('settle replaces the estimate by the final amount, and adds it when the reservation lapsed', async () => {
    const scope = scopeOf('settle');
    await reserve(redis, { ...scope, id: 's', ttlMs: 60_000, counters: [{ counter: 'c', amount: 500 }] });
    await settle(redis, { ...scope, id: 's', ttlMs: 60_000, counters: [{ counter: 'c', amount: 120 }] });
    expect(await reservedTotal(redis, scope, 'c')).toBe(120);
    await settle(redis, { ...scope, id: 'never-reserved', ttlMs: 60_000, counters: [{ counter: 'c', amount: 30 }] });
    expect(await reservedTotal(redis, scope, 'c')).toBe(150);
  });

  it('release ends a reservation now, or lets it lapse soon', async () => {
    const scope = scopeOf('release');
    await reserve(redis, { ...scope, id: 'now', ttlMs: 60_000, counters: [{ counter: 'c', amount: 10 }] });
    await reserve(redis, { ...scope, id: 'soon', ttlMs: 60_000, counters: [{ counter: 'c', amount: 20 }] });
    await release(redis, { ...scope, id: 'now', counters: ['c'] });
    expect(await reservedTotal(redis, scope, 'c')).toBe(20);
    await release(redis, { ...scope, id: 'soon', counters: ['c'], afterMs: 50 });
    await new Promise((resolve) => setTimeout(resolve, 80));
    // Lapsed reservations leave at the next call on the counter.
    expect(await reserve(redis, { ...scope, id: 'next', ttlMs: 60_000, counters: [{ counter: 'c', amount: 5, limit: 5 }] })).toEqual({ ok: true, totals: [5] });
    expect(await reservedTotal(redis, scope, 'c')).toBe(5);
  });

  it('a reservation nobody ends (a crashed instance) lapses after its ttl', async () => {
    const scope = scopeOf('leak');
    await reserve(redis, { ...scope, id: 'leaked', ttlMs: 40, counters: [{ counter: 'credits', amount: 100, limit: 100 }] });
    expect((await reserve(redis, { ...scope, id: 'blocked', ttlMs: 60_000, counters: [{ counter: 'credits', amount: 1, limit: 100 }] })).ok).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 70));
    expect((await reserve(redis, { ...scope, id: 'after', ttlMs: 60_000, counters: [{ counter: 'credits', amount: 100, limit: 100 }] })).ok).toBe(true);
  });

  it('keeps every key of a scope on one cluster slot and expires idle keys', async () => {
    const scope = scopeOf('user{odd}');
    await reserve(redis, { ...scope, id: 'k', ttlMs: 60_000, counters: [{ counter: 'a', amount: 1 }, { counter: 'b', amount: 1 }] });
    // SCAN, never KEYS, on the shared server; to the end of the cursor, since one call covers only
    // part of a keyspace that other test files fill at the same time.
    const found = new Set<string>();
    for await (const batch of redis.scanStream({ match: `${prefix}:rsv:*user*`, count: 10_000 })) for (const key of batch as string[]) found.add(key);
    const keys = [...found];
    expect(keys).toHaveLength(4);
    const slots = new Set(await Promise.all(keys.map((k) => redis.call('CLUSTER', 'KEYSLOT', k).catch(() => k.slice(0, k.indexOf('}'))))));
    expect(slots.size).toBe(1);
    for (const key of keys) expect(await redis.pttl(key)).toBeGreaterThan(0);
  });

  it('refuses amounts that are not non-negative integers', async () => {
    await expect(reserve(redis, { ...scopeOf('bad'), id: 'n', ttlMs: 1000, counters: [{ counter: 'c', amount: -1 }] })).rejects.toThrow(RangeError);
    await expect(reserve(redis, { ...scopeOf('bad'), id: 'n', ttlMs: 1000, counters: [] })).rejects.toThrow(RangeError);
  });
});
