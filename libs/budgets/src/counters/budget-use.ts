import type { Redis } from 'ioredis';
import type { Budget } from '../budget.js';
import type { PeriodWindow } from '../period-window.js';
import type { BudgetAmounts } from './budget-amounts.js';
import { readCounter } from './budget-store.js';
import { budgetCounterKeys, countedMetrics } from './counter-names.js';

/** A budget's live use in a period: the record as seeded, plus what requests settled, hold and instances lease since. */
export interface LiveBudgetUse {
  /** Per limited metric. */
  use: Partial<BudgetAmounts>;
  /** False when the counter was never seeded this period (no request yet, or Redis lost it): read the record instead. */
  seeded: boolean;
}

/**
 * The live figures of a budget in `window`, from its counter: what the API may show instead of
 * the record, which lags by the usage queue. Holds in flight and instances' leases count, as they
 * do against the limit (so this reads high by the unused part of the leases).
 */
export async function readBudgetUse(redis: Redis, prefix: string, budget: Budget, window: PeriodWindow): Promise<LiveBudgetUse> {
  const { seeded, totals } = await readCounter(redis, budgetCounterKeys(prefix, budget, window));
  const use: Partial<BudgetAmounts> = {};
  for (const metric of countedMetrics(budget)) use[metric] = totals[metric];
  return { use, seeded };
}
