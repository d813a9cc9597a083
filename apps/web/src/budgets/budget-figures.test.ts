import { describe, expect, it } from 'vitest';
import { describeScope, highestUse, limitRows, needsWarning, percentUsed } from './budget-figures.js';
import { budgetView } from './budget-view.fixture.js';

describe('budget figures', () => {
  it('gives the share of each limit set, capped at 100, a zero limit full from the start', () => {
    expect(percentUsed(50, 200)).toBe(25);
    expect(percentUsed(300, 200)).toBe(100);
    expect(percentUsed(0, 0)).toBe(100);
    const budget = budgetView({ limits: { tokens: 4_000, spend_micro_usd: 1_000_000 } });
    expect(limitRows(budget)).toEqual([
      { metric: 'tokens', limit: 4_000, used: 1_000, percent: 25 },
      { metric: 'spend_micro_usd', limit: 1_000_000, used: 250_000, percent: 25 },
    ]);
  });

  it('warns from the first threshold on, by the most used limit, and at the limit when there are no thresholds', () => {
    expect(needsWarning(budgetView({ thresholds: [90, 50] }))).toBe(true);
    expect(needsWarning(budgetView({ thresholds: [80] }))).toBe(false);
    expect(highestUse(budgetView({ limits: { requests: 100, tokens: 1_000 } }))).toBe(100);
    expect(needsWarning(budgetView({ thresholds: [], limits: { requests: 100 } }))).toBe(false);
    expect(needsWarning(budgetView({ thresholds: [], limits: { requests: 50 } }))).toBe(true);
  });

  it('names what a budget counts, a key by its name when known', () => {
    expect(describeScope(budgetView())).toBe('All your requests');
    expect(describeScope(budgetView({ scope: 'provider', scope_id: 'openai' }))).toBe('Provider openai');
    expect(describeScope(budgetView({ scope: 'key', scope_id: 'k1' }), new Map([['k1', 'OpenAI “work”']]))).toBe('Key OpenAI “work”');
    expect(describeScope(budgetView({ scope: 'key', scope_id: 'k2' }))).toBe('Key k2');
  });
});
