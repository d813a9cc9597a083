import { type Budget, periodWindow } from '@byok/budgets';
import { type BudgetAmounts, type BudgetCharge, createBudgetCounters, readBudgetUse, reconcileBudget } from '@byok/budgets/counters';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteRedisPrefix } from '../support/redis-cleanup.js';
import { testServiceUrls, uniqueTestName } from '../support/services.js';

/**
 * The budget counters on a real Redis (issue #18): holds against limits per owner, all or nothing
 * across the two owners a request can touch, seeding from the record once, partial holds for
 * streams, settling, and the reconciler's correction by the record.
 */
const prefix = uniqueTestName('budget_counters');
let redis: Redis;
beforeAll(() => {
  redis = new Redis(testServiceUrls().redisUrl, { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  redis.disconnect();
  await deleteRedisPrefix(prefix);
});

const NOW = Date.parse('2026-12-07T12:00:00Z');
let nextId = 0;
function budget(ownerId: string, limits: Budget['limits'], scope: Budget['scope'] = 'user'): Budget {
  nextId++;
  return { id: `00000000-0000-4000-8000-${String(nextId).padStart(12, '0')}`, ownerId, scope, scopeId: scope === 'user' ? null : 'x', period: 'day', timeZone: 'UTC', limits, thresholds: [80, 90], action: 'block' };
}
const ZERO: BudgetAmounts = { requests: 0, tokens: 0, spend_micro_usd: 0 };
const charge = (b: Budget, amounts: Partial<BudgetAmounts> = {}): BudgetCharge => ({ budget: b, window: periodWindow('day', 'UTC', NOW), amounts: { requests: 1, tokens: 0, spend_micro_usd: 0, ...amounts }, enforce: true });

function counters(record: (b: Budget) => BudgetAmounts = () => ZERO, reads: string[] = []) {
  const readRecord = async (b: Budget): Promise<BudgetAmounts> => {
    reads.push(b.id);
    return record(b);
  };
  return createBudgetCounters({ redis, prefix, reservationTtlMs: 60_000, now: () => NOW, readRecord });
}

describe('budget counters', () => {
  it('50 concurrent holds on a 10-request budget: exactly 10 are taken, and the refusal names the budget', async () => {
    const b = budget('u-burst', { requests: 10 });
    const c = counters();
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => c.reserve({ requestId: `r${i}`, charges: [charge(b)], partial: false })));
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    expect(results.find((r) => !r.ok)).toMatchObject({ ok: false, metric: 'requests', limit: 10, reservedTotal: 10, budget: { id: b.id } });
    expect((await readBudgetUse(redis, prefix, b, charge(b).window)).use).toEqual({ requests: 10 });
  });

  it('a request touching two owners takes both or neither: the user is released when the org refuses', async () => {
    const user = budget('u-two', { requests: 5 });
    const org = budget('org:o-two', { requests: 1 }, 'org');
    const c = counters();
    expect((await c.reserve({ requestId: 'a', charges: [charge(user), charge(org)], partial: false })).ok).toBe(true);
    const refused = await c.reserve({ requestId: 'b', charges: [charge(user), charge(org)], partial: false });
    expect(refused).toMatchObject({ ok: false, budget: { id: org.id } });
    expect((await readBudgetUse(redis, prefix, user, charge(user).window)).use).toEqual({ requests: 1 });
  });

  it('seeds a period from the record once, before the hold is checked, and again after Redis lost the counters', async () => {
    const b = budget('u-seed', { requests: 10, tokens: 1000 });
    const reads: string[] = [];
    let recorded = 9;
    const c = counters(() => ({ requests: recorded, tokens: 100, spend_micro_usd: 0 }), reads);
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => c.reserve({ requestId: `s${i}`, charges: [charge(b, { tokens: 10 })], partial: false })));
    // The record already holds 9 of 10 requests: exactly one more fits, seeded once however many raced.
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const live = await readBudgetUse(redis, prefix, b, charge(b).window);
    expect(live).toEqual({ seeded: true, use: { requests: 10, tokens: 110 } });
    // The consumer has recorded the tenth request meanwhile; then Redis loses the counters.
    recorded = 10;
    await deleteRedisPrefix(`${prefix}:bud:{u-seed}`);
    const readsBefore = reads.length;
    expect((await c.reserve({ requestId: 'after-loss', charges: [charge(b)], partial: false })).ok).toBe(false);
    expect(reads.length).toBeGreaterThan(readsBefore);
  });

  it('a partial hold (a stream) takes what is left of tokens and spend, never of requests', async () => {
    const b = budget('u-partial', { tokens: 100 });
    const c = counters();
    expect((await c.reserve({ requestId: 'big', charges: [charge(b, { tokens: 70 })], partial: false })).ok).toBe(true);
    expect((await c.reserve({ requestId: 'whole', charges: [charge(b, { tokens: 70 })], partial: false })).ok).toBe(false);
    const partial = await c.reserve({ requestId: 'stream', charges: [charge(b, { tokens: 70 })], partial: true });
    expect(partial).toMatchObject({ ok: true, held: [{ amounts: { tokens: 30 }, remaining: { tokens: 0 } }] });
    expect((await c.reserve({ requestId: 'none-left', charges: [charge(b, { tokens: 5 })], partial: true })).ok).toBe(false);
  });

  it('settling replaces the hold by the use; releasing gives it back', async () => {
    const b = budget('u-settle', { tokens: 1000, spend_micro_usd: 1000 });
    const c = counters();
    const x = await c.reserve({ requestId: 'x', charges: [charge(b, { tokens: 500, spend_micro_usd: 400 })], partial: false });
    if (!x.ok) throw new Error('not held');
    c.settle('x', x.held, { requests: 1, tokens: 42, spend_micro_usd: 7 });
    await c.flush();
    const y = await c.reserve({ requestId: 'y', charges: [charge(b, { tokens: 100, spend_micro_usd: 100 })], partial: false });
    if (!y.ok) throw new Error('not held');
    await c.release('y', y.held);
    expect((await readBudgetUse(redis, prefix, b, charge(b).window)).use).toEqual({ tokens: 42, spend_micro_usd: 7 });
  });

  it('reconcile: the seed becomes the record, recorded requests stop counting twice, holds in flight stay', async () => {
    const b = budget('u-reconcile', { requests: 100 });
    const c = counters(() => ({ requests: 3, tokens: 0, spend_micro_usd: 0 }));
    const done = await c.reserve({ requestId: 'done', charges: [charge(b)], partial: false });
    if (!done.ok) throw new Error('not held');
    c.settle('done', done.held, { requests: 1, tokens: 0, spend_micro_usd: 0 });
    await c.flush();
    await c.reserve({ requestId: 'running', charges: [charge(b)], partial: false });
    expect((await readBudgetUse(redis, prefix, b, charge(b).window)).use).toEqual({ requests: 5 });
    // The record now has the 3 seeded, 'done', and one request a crashed proxy never settled.
    let asked: readonly string[] = [];
    const corrected = await reconcileBudget(
      {
        redis,
        prefix,
        readSnapshot: async (_b, _w, ids) => {
          asked = ids;
          return { use: { requests: 5, tokens: 0, spend_micro_usd: 0 }, recorded: ids.filter((id) => id === 'done') };
        },
      },
      b,
      NOW,
    );
    expect(corrected).toBe(true);
    expect([...asked].sort()).toEqual(['done', 'running']);
    // 5 from the record + the request still running.
    expect((await readBudgetUse(redis, prefix, b, charge(b).window)).use).toEqual({ requests: 6 });
  });

  it('reconcile leaves a period nobody seeded alone', async () => {
    const b = budget('u-unseeded', { requests: 1 });
    expect(await reconcileBudget({ redis, prefix, readSnapshot: () => Promise.reject(new Error('not read')) }, b, NOW)).toBe(false);
  });
});
