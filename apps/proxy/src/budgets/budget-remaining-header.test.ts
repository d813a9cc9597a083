import type { Budget } from '@byok/budgets';
import type { HeldCharge } from '@byok/budgets/counters';
import { describe, expect, it } from 'vitest';
import { budgetRemainingHeader } from './budget-remaining-header.js';

const window = { startMs: Date.parse('2026-12-07T00:00:00Z'), endMs: Date.parse('2026-12-08T00:00:00Z'), id: '2026-12-07' };
const held = (id: string, limits: Budget['limits'], remaining: HeldCharge['remaining'], enforce = true): HeldCharge => ({
  budget: { id, ownerId: 'u', scope: 'user', scopeId: null, period: 'day', timeZone: 'UTC', limits, thresholds: [], action: enforce ? 'block' : 'notify' },
  window,
  amounts: { requests: 1, tokens: 0, spend_micro_usd: 0 },
  enforce,
  remaining,
  leased: false,
});

describe('x-byok-budget-remaining', () => {
  it('names the limit with the smallest share left', () => {
    const header = budgetRemainingHeader([held('a', { requests: 100, tokens: 1000 }, { requests: 50, tokens: 100 }), held('b', { spend_micro_usd: 10 }, { spend_micro_usd: 5 })]);
    expect(header).toBe('tokens=100; budget=a; resets=2026-12-08T00:00:00.000Z');
  });

  it('is absent when only notify budgets apply', () => {
    expect(budgetRemainingHeader([held('n', { requests: 1 }, {}, false)])).toBeUndefined();
  });
});
