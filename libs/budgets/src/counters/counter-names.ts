import type { Budget, BudgetMetric } from '../budget.js';
import { BUDGET_METRICS } from '../budget.js';
import type { PeriodWindow } from '../period-window.js';

/** The two Redis keys of one budget in one period (see `budget-scripts.ts` for what they hold). */
export interface BudgetCounterKeys {
  /** The hash: seed, totals, holds, leases, settled requests. */
  counter: string;
  /** The sorted set of live holds and leases by the instant they lapse. */
  expiries: string;
}

/**
 * The keys of a budget's counter in one period. `{owner}` is the Redis Cluster hash tag, so all
 * of an owner's budgets share a slot and one script may touch them all; the period id in the name
 * makes a new period start from nothing.
 */
export function budgetCounterKeys(prefix: string, budget: Pick<Budget, 'id' | 'ownerId'>, window: Pick<PeriodWindow, 'id'>): BudgetCounterKeys {
  const counter = `${prefix}:bud:{${budget.ownerId}}:${budget.id}:${window.id}`;
  return { counter, expiries: `${counter}:exp` };
}

/** The metrics a budget limits, in a fixed order (the counters count all three; these are what it enforces and shows). */
export function countedMetrics(budget: Pick<Budget, 'limits'>): BudgetMetric[] {
  return BUDGET_METRICS.filter((metric) => budget.limits[metric] !== undefined);
}

/** Room after a period ends before its counters expire, so a request settling just after the reset still lands in its own period's counter. */
export const COUNTER_GRACE_MS = 60 * 60 * 1000;

/** How long the counters (and the settled amounts in them) must live: to the period's end, plus the grace. */
export function untilPeriodExpiry(window: PeriodWindow, nowMs: number): number {
  return Math.max(1, window.endMs - nowMs + COUNTER_GRACE_MS);
}
