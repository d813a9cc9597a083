import type { Budget } from '@byok/budgets';
import type { BudgetReservation } from '@byok/budgets/counters';
import { AppError } from '@byok/http';

export type BudgetRefusal = Extract<BudgetReservation, { ok: false }>;

/** The receipt's words for a candidate a budget refused: `skipped=budget_exceeded(budget <id>)`. */
export function budgetSkipReason(budget: Pick<Budget, 'id'>): string {
  return `budget_exceeded(budget ${budget.id})`;
}

const METRIC_WORDS = { requests: 'requests', tokens: 'tokens', spend_micro_usd: 'spend (micro-USD)' } as const;
const PERIOD_WORDS = { day: 'daily', week: 'weekly', month: 'monthly' } as const;

/**
 * The 429 of a request no candidate of which a budget let through: names the budget (scope,
 * scope id, period, the limit it hit) and says when it resets; `Retry-After` counts the seconds
 * to that reset.
 */
export function budgetExceededError(refusal: BudgetRefusal, nowMs: number): AppError {
  const { budget, window, metric, limit } = refusal;
  const scope = budget.scopeId === null ? budget.scope : `${budget.scope} ${budget.scopeId}`;
  const resets = new Date(window.endMs).toISOString();
  const left = Math.max(0, limit - refusal.reservedTotal);
  const retryAfterSeconds = Math.max(1, Math.ceil((window.endMs - nowMs) / 1000));
  return new AppError(
    'budget_exceeded',
    `Budget exceeded: the ${PERIOD_WORDS[budget.period]} ${scope} budget ${budget.id} allows ${limit} ${METRIC_WORDS[metric]} per period and ${left} are left, not enough for this request; it resets at ${resets}.`,
    { headers: { 'retry-after': String(retryAfterSeconds) } },
  );
}
