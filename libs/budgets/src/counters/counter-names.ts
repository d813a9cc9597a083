import type { Budget, BudgetMetric } from '../budget.js';
import { BUDGET_METRICS } from '../budget.js';
import type { PeriodWindow } from '../period-window.js';

/**
 * The id of the reservation that holds what the record (`usage_events`) said a budget used in its
 * period when its counters were seeded. Its presence is the counters' "seeded" marker: a period
 * whose counters lack it (a new period, or Redis lost them) is seeded from the record first.
 */
export const SEED_RESERVATION_ID = 'record';

/**
 * The counter of one metric of a budget in one period, within the budget owner's reservation scope
 * (`@byok/reservations` hash-tags it with the owner id, so all of an owner's counters share a Redis
 * Cluster slot). The period id in the name makes a new period start from nothing.
 */
export function budgetCounterName(budgetId: string, periodId: string, metric: BudgetMetric): string {
  return `budget:${budgetId}:${periodId}:${metric}`;
}

/** The metrics a budget counts: those it has a limit on, in a fixed order. */
export function countedMetrics(budget: Pick<Budget, 'limits'>): BudgetMetric[] {
  return BUDGET_METRICS.filter((metric) => budget.limits[metric] !== undefined);
}

/** Room after a period ends before its counters expire, so a request settling just after the reset still lands in its own period's counter. */
export const COUNTER_GRACE_MS = 60 * 60 * 1000;

/** How long a settled amount (and the counters) must live: to the period's end, plus the grace. */
export function untilPeriodExpiry(window: PeriodWindow, nowMs: number): number {
  return Math.max(1, window.endMs - nowMs + COUNTER_GRACE_MS);
}
