import type { BudgetMetric } from '@byok/budgets';
import type { BudgetRow, BudgetUse } from '@byok/db';
import type { NotificationDraft } from '../outbox/emit.js';

/** Where the page shows the budget: its card (`#budget-<id>`) on the budgets page, which lists organizations' budgets too. */
function budgetLink(budgetId: string): string {
  return `/account/budgets#budget-${encodeURIComponent(budgetId)}`;
}

/** The state of one budget in its current period, as the alerts scan found it. */
export interface BudgetStanding {
  budget: BudgetRow;
  /** The period's id (`YYYY-MM-DD` of its first local day) and its end, when the budget resets. */
  periodId: string;
  resetsAt: string;
  use: BudgetUse;
  /** The limit closest to being used up: the one every percentage below refers to. */
  metric: BudgetMetric;
  /** Use of `metric` in percent of its limit, rounded down (a limit of 0 counts as 100). */
  percent: number;
}

const METRIC_NAMES: Record<BudgetMetric, string> = { requests: 'requests', tokens: 'tokens', spend_micro_usd: 'spend' };

/** `Daily user budget`, `Monthly provider openai budget`, `Daily key <id> budget`, …: how a message names a budget. */
export function budgetName(budget: BudgetRow): string {
  const scope = budget.scopeId === null ? budget.scope : `${budget.scope} ${budget.scopeId}`;
  return `${budget.period === 'day' ? 'Daily' : budget.period === 'week' ? 'Weekly' : 'Monthly'} ${scope.replace('_', ' ')} budget`;
}

/**
 * What every budget event carries in `details`: which budget and period, every limit and its use,
 * the tightest metric, and when the period resets. Numbers, not text, so webhooks can act on them.
 */
function budgetDetails(s: BudgetStanding): Record<string, unknown> {
  return {
    budgetId: s.budget.id,
    ownerId: s.budget.ownerId,
    scope: s.budget.scope,
    scopeId: s.budget.scopeId,
    period: s.budget.period,
    periodId: s.periodId,
    timeZone: s.budget.timeZone,
    action: s.budget.action,
    limits: s.budget.limits,
    use: s.use,
    metric: s.metric,
    limit: s.budget.limits[s.metric] ?? null,
    used: s.use[s.metric],
    percent: s.percent,
    resetsAt: s.resetsAt,
  };
}

/** `budget_threshold` for one recipient: once per budget, threshold and period (the dedupe scope names both). */
export function budgetThresholdDraft(recipient: string, s: BudgetStanding, threshold: number, occurredAt: string): NotificationDraft {
  const name = budgetName(s.budget);
  return {
    type: 'budget_threshold',
    userId: recipient,
    subject: { kind: 'budget', budgetId: s.budget.id },
    title: `${name} is ${threshold}% used`,
    message: `${name} has used ${s.percent}% of its ${METRIC_NAMES[s.metric]} limit (${s.use[s.metric]} of ${s.budget.limits[s.metric]}) in the period that resets at ${s.resetsAt}.`,
    action: s.budget.action === 'notify' ? 'Nothing is refused by this budget; raise it or slow down if the spend is unexpected.' : 'Raise the limit or slow down before requests are refused.',
    link: budgetLink(s.budget.id),
    occurredAt,
    details: { ...budgetDetails(s), threshold },
    dedupeScope: `${s.periodId}:${threshold}`,
  };
}

/** What the budget's action did once it ran out, for the message. */
function exceededEffect(budget: BudgetRow, keyDisabled: boolean): string {
  if (keyDisabled) return 'Its key was disabled and is enabled again when the budget resets.';
  if (budget.action === 'notify') return 'Nothing is refused (the budget only notifies).';
  if (budget.scope === 'key') return 'Requests skip its key until the budget resets.';
  return 'Requests it covers are refused with 429 until the budget resets.';
}

/**
 * `budget_exceeded` for one recipient: a limit was reached or a request was refused by the budget;
 * once per budget and period.
 */
export function budgetExceededDraft(recipient: string, s: BudgetStanding, cause: { blocked: boolean; keyDisabled: boolean }, occurredAt: string): NotificationDraft {
  const name = budgetName(s.budget);
  return {
    type: 'budget_exceeded',
    userId: recipient,
    subject: { kind: 'budget', budgetId: s.budget.id },
    title: `${name} is used up`,
    message: `${name} reached its ${METRIC_NAMES[s.metric]} limit (${s.use[s.metric]} of ${s.budget.limits[s.metric]}) in the period that resets at ${s.resetsAt}. ${exceededEffect(s.budget, cause.keyDisabled)}`,
    action: 'Raise the limit if the use is expected; otherwise find what is spending and stop it.',
    link: budgetLink(s.budget.id),
    occurredAt,
    details: { ...budgetDetails(s), blocked: cause.blocked, keyDisabled: cause.keyDisabled },
    dedupeScope: s.periodId,
  };
}
