import { type Budget, periodWindow } from '@byok/budgets';
import { type BudgetAmounts, type BudgetCharge, budgetCounterKeys, type BudgetCounters, createBudgetCounters, type HeldCharge, readBudgetUse, reconcileBudget, trackedRequestIds } from '@byok/budgets/counters';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteRedisPrefix } from '../support/redis-cleanup.js';
import { testServiceUrls, uniqueTestName } from '../support/services.js';

/**
 * Leases and batched settles on a real Redis (issue #18's cost): an instance far from a limit
 * serves holds from a slice of the remainder it leased, near the limit every request is held
 * exactly, unused slices go back, a crashed instance's slice lapses, and the reconcile counts
 * batched settles once and leaves the counter small.
 */
const prefix = uniqueTestName('budget_leases');
const redisClients: Redis[] = [];
const open: BudgetCounters[] = [];
const newRedis = () => {
  const client = new Redis(testServiceUrls().redisUrl, { maxRetriesPerRequest: 1 });
  redisClients.push(client);
  return client;
};
let redis: Redis;
beforeAll(() => {
  redis = newRedis();
});
afterAll(async () => {
  await Promise.allSettled(open.map((c) => c.close()));
  for (const client of redisClients) client.disconnect();
  await deleteRedisPrefix(prefix);
});

const NOW = Date.parse('2026-12-07T12:00:00Z');
const ZERO: BudgetAmounts = { requests: 0, tokens: 0, spend_micro_usd: 0 };
const ONE: BudgetAmounts = { requests: 1, tokens: 10, spend_micro_usd: 5 };
let nextId = 0;
function budget(ownerId: string, limits: Budget['limits']): Budget {
  nextId++;
  return { id: `00000000-0000-4000-9000-${String(nextId).padStart(12, '0')}`, ownerId, scope: 'user', scopeId: null, period: 'day', timeZone: 'UTC', limits, thresholds: [], action: 'block' };
}
const windowOf = () => periodWindow('day', 'UTC', NOW);
const charge = (b: Budget): BudgetCharge => ({ budget: b, window: windowOf(), amounts: ONE, enforce: true });

/** An instance's counters; a short flush so the tests do not wait, and leasing from the first few requests. */
function instance(client: Redis = redis, leaseTtlMs = 3000): BudgetCounters {
  const c = createBudgetCounters({
    redis: client,
    prefix,
    reservationTtlMs: 60_000,
    now: () => NOW,
    readRecord: async () => ZERO,
    leasePolicy: { flushIntervalMs: 50, horizonMs: 500, minRequestsPerSecond: 4, leaseTtlMs },
  });
  open.push(c);
  return c;
}

/** Holds one request, then settles it with its estimate; what it held. */
async function oneRequest(c: BudgetCounters, b: Budget, id: string): Promise<HeldCharge | undefined> {
  const held = await c.reserve({ requestId: id, charges: [charge(b)], partial: false });
  if (!held.ok) return undefined;
  c.settle(id, held.held, ONE);
  return held.held[0];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const leaseFields = async (b: Budget) => Object.keys(await redis.hgetall(budgetCounterKeys(prefix, b, windowOf()).counter)).filter((f) => f.startsWith('l:'));

/** Keeps a steady stream of requests on `c` until some are served from a lease (at most 5 s); returns what they held. */
async function trafficUntilLeased(c: BudgetCounters, b: Budget, tag: string): Promise<Array<HeldCharge | undefined>> {
  const results: Array<HeldCharge | undefined> = [];
  const until = Date.now() + 5000;
  for (let i = 0; Date.now() < until && results.filter((h) => h?.leased === true).length < 10; i++) {
    results.push(...(await Promise.all(Array.from({ length: 5 }, (_, j) => oneRequest(c, b, `${tag}-${i}-${j}`)))));
    await sleep(10);
  }
  return results;
}

describe('budget leases', () => {
  it('far from the limit an instance serves holds from its lease, with no round trip; near the limit two instances together take exactly the limit', async () => {
    const b = budget('u-lease-two', { requests: 600 });
    const [a, second] = [instance(), instance()];
    const warm = await trafficUntilLeased(a, b, 'warm');
    expect(warm.every((h) => h !== undefined)).toBe(true);
    expect(warm.filter((h) => h?.leased === true).length).toBeGreaterThan(0);
    // Both instances race for what is left, 10 at a time, until neither gets anything for a while.
    let refusedInARow = 0;
    for (let i = 0; refusedInARow < 40 && i < 400; i++) {
      const both = await Promise.all(Array.from({ length: 10 }, (_, j) => oneRequest(j % 2 === 0 ? a : second, b, `race-${i}-${j}`)));
      refusedInARow = both.every((h) => h === undefined) ? refusedInARow + 10 : 0;
      if (both.some((h) => h === undefined)) await sleep(60);
    }
    await Promise.all([a.flush(), second.flush()]);
    await sleep(600);
    await Promise.all([a.flush(), second.flush()]);
    const use = await readBudgetUse(redis, prefix, b, windowOf());
    // Every request the two instances let through was settled: exactly the limit, never more.
    expect(use.use.requests).toBe(600);
    expect(await leaseFields(b)).toEqual([]);
  }, 60_000);

  it('an unused slice goes back within the horizon once requests stop; close gives it back at once', async () => {
    const b = budget('u-lease-return', { requests: 100_000, tokens: 10_000_000 });
    const c = instance();
    await trafficUntilLeased(c, b, 'busy');
    expect(await leaseFields(b)).toHaveLength(1);
    await sleep(800);
    expect(await leaseFields(b)).toEqual([]);
    const used = (await readBudgetUse(redis, prefix, b, windowOf())).use;
    // What is left counts only the settled requests: nothing of the lease stays.
    expect(used.tokens).toBe((used.requests ?? 0) * ONE.tokens);
    const other = budget('u-lease-close', { requests: 100_000 });
    const d = instance();
    await trafficUntilLeased(d, other, 'busy');
    expect(await leaseFields(other)).toHaveLength(1);
    await d.close();
    expect(await leaseFields(other)).toEqual([]);
  }, 30_000);

  it("a crashed instance's slice lapses after the lease ttl, and the others can use it", async () => {
    const b = budget('u-lease-crash', { requests: 2000 });
    const crashingRedis = newRedis();
    const crashing = instance(crashingRedis, 500);
    await trafficUntilLeased(crashing, b, 'before');
    const [field] = await leaseFields(b);
    expect(field).toBeDefined();
    const slice = Number(((await redis.hget(budgetCounterKeys(prefix, b, windowOf()).counter, field as string)) ?? '0').split(',')[0]);
    expect(slice).toBeGreaterThan(0);
    // The process dies: its connection goes, nothing renews or returns the lease.
    crashingRedis.disconnect();
    const survivor = instance();
    await sleep(700);
    // Any script on the counter drops what lapsed.
    expect(await oneRequest(survivor, b, 'after')).toBeDefined();
    expect(await leaseFields(b)).not.toContain(field);
  }, 30_000);

  it('batched settles and the reconcile count each request once, and the counter shrinks to the requests the record has not seen', async () => {
    const b = budget('u-lease-reconcile', { requests: 1_000_000, tokens: 1_000_000_000 });
    const c = instance();
    const held = await trafficUntilLeased(c, b, 'r');
    await c.close();
    const keys = budgetCounterKeys(prefix, b, windowOf());
    const ids = await trackedRequestIds(redis, keys);
    expect(ids).toHaveLength(held.length);
    // The record has all but the last 3 (their events are still queued).
    const recorded = ids.slice(0, -3);
    let snapshotIds: readonly string[] = [];
    const corrected = await reconcileBudget(
      {
        redis,
        prefix,
        readSnapshot: async (_b, _w, asked) => {
          snapshotIds = asked;
          return { use: { requests: recorded.length, tokens: recorded.length * ONE.tokens, spend_micro_usd: recorded.length * ONE.spend_micro_usd }, recorded };
        },
      },
      b,
      NOW,
    );
    expect(corrected).toBe(true);
    expect([...snapshotIds].sort()).toEqual([...ids].sort());
    expect((await readBudgetUse(redis, prefix, b, windowOf())).use).toEqual({ requests: held.length, tokens: held.length * ONE.tokens });
    // Memory: the seed, at most three totals and the 3 requests the record has not seen yet.
    expect(await redis.hlen(keys.counter)).toBeLessThanOrEqual(4 + 3);
    expect(await trackedRequestIds(redis, keys)).toHaveLength(3);
  }, 30_000);

  it('counters Redis lost under a lease are seeded again from the record at the next flush, with the leased requests in flight held again', async () => {
    const b = budget('u-lease-lost', { requests: 100_000 });
    const recorded = { requests: 7, tokens: 0, spend_micro_usd: 0 };
    const c = createBudgetCounters({ redis, prefix, reservationTtlMs: 60_000, now: () => NOW, readRecord: async () => recorded, leasePolicy: { flushIntervalMs: 50, horizonMs: 500, minRequestsPerSecond: 4 } });
    open.push(c);
    await trafficUntilLeased(c, b, 'before');
    // A request served from the lease that is still running when Redis loses the counter.
    let running: HeldCharge | undefined;
    for (let i = 0; running === undefined && i < 100; i++) {
      const held = await c.reserve({ requestId: `running-${i}`, charges: [charge(b)], partial: false });
      if (held.ok && held.held[0]?.leased === true) running = held.held[0];
      else if (held.ok) c.settle(`running-${i}`, held.held, ONE);
    }
    expect(running).toBeDefined();
    await deleteRedisPrefix(`${prefix}:bud:{u-lease-lost}`);
    // The record (7), plus at least the request still running (held in this instance's lease again).
    const deadline = Date.now() + 5000;
    let after = await readBudgetUse(redis, prefix, b, windowOf());
    while (Date.now() < deadline && !(after.seeded && (after.use.requests ?? 0) >= recorded.requests + 1)) {
      await sleep(50);
      after = await readBudgetUse(redis, prefix, b, windowOf());
    }
    expect(after.seeded).toBe(true);
    expect(after.use.requests).toBeGreaterThanOrEqual(recorded.requests + 1);
    expect(await leaseFields(b)).toHaveLength(1);
  }, 30_000);

  it('a request settled twice, in one batch or in the next, counts once, and its hold in Redis ends with its first settle', async () => {
    const b = budget('u-settle-twice', { requests: 1_000_000 });
    const c = createBudgetCounters({ redis, prefix, reservationTtlMs: 60_000, now: () => NOW, readRecord: async () => ZERO, leasePolicy: { flushIntervalMs: 60_000 } });
    open.push(c);
    const held = await c.reserve({ requestId: 'twice', charges: [charge(b)], partial: false });
    if (!held.ok) throw new Error('not held');
    expect(held.held[0]?.leased).toBe(false);
    c.settle('twice', held.held, ONE);
    c.settle('twice', held.held, ONE);
    await c.flush();
    c.settle('twice', held.held, ONE);
    await c.flush();
    const keys = budgetCounterKeys(prefix, b, windowOf());
    expect((await readBudgetUse(redis, prefix, b, windowOf())).use.requests).toBe(1);
    expect(await redis.hexists(keys.counter, 'h:twice')).toBe(0);
    expect(await redis.hget(keys.counter, 's:twice')).toBe('1,10,5');
  });

  it.each([
    { cap: 100, what: 'in short scripts, one right after the other (not at the next tick)' },
    { cap: 60_000, what: 'in one script of 150,000 arguments, more than a call may take as spread arguments' },
  ])('a backlog of 50,000 settles is sent $what, and every request counts once', async ({ cap }) => {
    const b = budget(`u-backlog-${cap}`, { requests: 10_000_000 });
    const c = createBudgetCounters({ redis, prefix, reservationTtlMs: 60_000, now: () => NOW, readRecord: async () => ZERO, leasePolicy: { flushIntervalMs: 60_000, maxSettlesPerFlush: cap } });
    open.push(c);
    // The first request seeds the counter and is held in Redis; the others settle as if held too.
    const first = await c.reserve({ requestId: 'req-0', charges: [charge(b)], partial: false });
    if (!first.ok) throw new Error('not held');
    const settles = 50_000;
    for (let i = 0; i < settles; i++) c.settle(`req-${i}`, first.held, ONE);
    await c.flush();
    expect((await readBudgetUse(redis, prefix, b, windowOf())).use.requests).toBe(settles);
  }, 60_000);
});
