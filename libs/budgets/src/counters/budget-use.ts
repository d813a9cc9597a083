import { isHeld, reservedTotal } from '@byok/reservations';
import type { Redis } from 'ioredis';
import type { Budget } from '../budget.js';
import type { PeriodWindow } from '../period-window.js';
import type { BudgetAmounts } from './budget-amounts.js';
import { budgetCounterName, countedMetrics, SEED_RESERVATION_ID } from './counter-names.js';

/** A budget's live use in a period: the record as seeded, plus what requests settled and hold since. */
export interface LiveBudgetUse {
  /** Per counted metric (the budget's limited ones). */
  use: Partial<BudgetAmounts>;
  /** False when the counters were never seeded this period (no request yet, or Redis lost them): read the record instead. */
  seeded: boolean;
}

/**
 * The live figures of a budget in `window`, from its counters: what the API may show instead of
 * the record, which lags by the usage queue. In-flight holds count, as they do against the limit.
 */
export async function readBudgetUse(redis: Redis, prefix: string, budget: Budget, window: PeriodWindow): Promise<LiveBudgetUse> {
  const scope = { prefix, scope: budget.ownerId };
  const metrics = countedMetrics(budget);
  const counters = metrics.map((metric) => budgetCounterName(budget.id, window.id, metric));
  const [seeded, ...totals] = await Promise.all([isHeld(redis, scope, counters[0] ?? '', SEED_RESERVATION_ID), ...counters.map((c) => reservedTotal(redis, scope, c))]);
  const use: Partial<BudgetAmounts> = {};
  metrics.forEach((metric, i) => {
    use[metric] = Number(totals[i] ?? 0);
  });
  return { use, seeded: seeded === true };
}
