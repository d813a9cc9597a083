import type { Budget, BudgetMetric } from '../budget.js';
import type { PeriodWindow } from '../period-window.js';

/** An amount per metric: a request's estimate or use, or a budget's use in a period. */
export type BudgetAmounts = Record<BudgetMetric, number>;

/** One budget that applies to a request, in the period the request falls in. */
export interface BudgetInPeriod {
  budget: Budget;
  window: PeriodWindow;
}

/**
 * What one request holds or spends on one budget. `enforce` false (a `notify` budget) counts
 * without a limit: such a budget never refuses.
 */
export interface BudgetCharge extends BudgetInPeriod {
  amounts: BudgetAmounts;
  enforce: boolean;
}

/** The charges of a request grouped by the budgets' owners, in first-seen order (a request touches at most two owners). */
export function chargesByOwner<T extends { budget: Pick<Budget, 'ownerId'> }>(charges: readonly T[]): Map<string, T[]> {
  const owners = new Map<string, T[]>();
  for (const charge of charges) {
    const list = owners.get(charge.budget.ownerId);
    if (list === undefined) owners.set(charge.budget.ownerId, [charge]);
    else list.push(charge);
  }
  return owners;
}
