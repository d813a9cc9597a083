import { describe, expect, it } from 'vitest';
import type { Budget } from '../budget.js';
import { periodWindow } from '../period-window.js';
import type { BudgetAmounts } from './budget-amounts.js';
import { DEFAULT_LEASE_POLICY, LocalBudget } from './local-budget.js';

const budget: Budget = { id: 'b', ownerId: 'u', scope: 'user', scopeId: null, period: 'day', timeZone: 'UTC', limits: { requests: 1000 }, thresholds: [], action: 'block' };
const window = periodWindow('day', 'UTC', Date.parse('2026-12-07T12:00:00Z'));
const ONE: BudgetAmounts = { requests: 1, tokens: 10, spend_micro_usd: 5 };
const ref = { keys: { counter: 'c', expiries: 'e' }, periodTtlMs: 1000 };
const policy = { ...DEFAULT_LEASE_POLICY, minRequestsPerSecond: 1 };
const amounts = (requests: number): BudgetAmounts => ({ requests, tokens: 0, spend_micro_usd: 0 });

/** A budget this instance leases `slice` requests of, confirmed at time 0, with nobody else using it. */
function leased(slice: number): LocalBudget {
  const local = new LocalBudget(budget, window, true, policy, 0);
  local.observeTotals(amounts(0));
  for (let i = 0; i < 10; i++) local.noteRequest(ONE, 0);
  const part = local.startFlush(ref, 0);
  local.finishFlush(part, { seeded: true, lease: amounts(slice), others: amounts(0) });
  return local;
}

describe('a local budget (one instance\'s lease)', () => {
  it('grants from its slice only, and only while the lease was renewed within half its ttl', () => {
    const local = leased(3);
    expect([1, 2, 3, 4].map(() => local.grant(ONE, 10))).toEqual([true, true, true, false]);
    local.ungrant(ONE);
    expect(local.grant(ONE, DEFAULT_LEASE_POLICY.leaseTtlMs / 2 + 1)).toBe(false);
  });

  it('a flush moves leased settles out of the lease, keeps what is in flight as its floor, and leaves exact holds\' settles out of it', () => {
    const local = leased(10);
    for (let i = 0; i < 4; i++) expect(local.grant(ONE, 10)).toBe(true);
    local.settle('leased-1', ONE, '1,10,5', ONE);
    local.settle('leased-2', ONE, '1,10,5', ONE);
    // A request held in Redis on its own: its settle is sent, but it never was part of the lease.
    local.settle('exact', ONE, '1,10,5', undefined);
    const part = local.startFlush(ref, 20);
    expect(part.entry.settled.map((s) => s.requestId)).toEqual(['leased-1', 'leased-2', 'exact']);
    expect(part.moved.requests).toBe(2);
    // Two leased requests still run: the lease can shrink to them, never below.
    expect(part.entry.lease?.floor.requests).toBeGreaterThanOrEqual(2);
    expect(part.entry.lease?.floor.requests).toBeLessThanOrEqual(8);
  });

  it('a failed flush keeps its settles for the next one and does not renew the lease', () => {
    const local = leased(10);
    expect(local.grant(ONE, 10)).toBe(true);
    local.settle('r', ONE, '1,10,5', ONE);
    const failed = local.startFlush(ref, 20);
    local.failFlush(failed);
    const retried = local.startFlush(ref, 30);
    expect(retried.entry.settled.map((s) => s.requestId)).toEqual(['r']);
    local.failFlush(retried);
    expect(local.grant(ONE, DEFAULT_LEASE_POLICY.leaseTtlMs)).toBe(false);
  });

  it('sizes its lease by the last horizon of use by the clock, however often it flushes, and wants none once idle that long', () => {
    const local = leased(10);
    for (let i = 0; i < 40; i++) local.noteRequest(ONE, 10);
    // Many flushes within one interval keep the whole horizon's use.
    for (let t = 11; t < 20; t++) local.finishFlush(local.startFlush(ref, t), { seeded: true, lease: amounts(10), others: amounts(0) });
    expect(local.startFlush(ref, 20).entry.lease?.wanted.requests).toBeGreaterThanOrEqual(50);
    expect(local.wantsLease(DEFAULT_LEASE_POLICY.horizonMs + DEFAULT_LEASE_POLICY.flushIntervalMs + 20)).toBe(false);
  });

  it('wants no lease near the limit: every request there is held exactly', () => {
    const local = new LocalBudget(budget, window, true, policy, 0);
    local.observeTotals(amounts(1000 - 10));
    for (let i = 0; i < 10; i++) local.noteRequest(ONE, 0);
    expect(local.hasWork(0)).toBe(false);
    expect(local.startFlush(ref, 0).entry.lease).toBeUndefined();
  });
});
