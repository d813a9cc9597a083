import { formatDollars, formatNumber } from '../ui/format.js';
import { BUDGET_METRICS, type BudgetMetric, type BudgetScope, type BudgetView } from './budgets-api.js';

export const METRIC_LABELS: Record<BudgetMetric, string> = { requests: 'Requests', tokens: 'Tokens', spend_micro_usd: 'Spend' };
export const SCOPE_LABELS: Record<BudgetScope, string> = { user: 'All your requests', provider: 'Provider', key: 'Key', org: 'Organization', org_member: 'Organization member' };
export const ACTION_LABELS = { block: 'Block requests', disable_key: 'Disable the key', notify: 'Notify only' } as const;
export const PERIOD_LABELS = { day: 'Daily', week: 'Weekly', month: 'Monthly' } as const;

/** An amount of a metric as people read it: spend in dollars, counts with separators. */
export function formatMetric(metric: BudgetMetric, value: number): string {
  return metric === 'spend_micro_usd' ? formatDollars(value) : formatNumber(value);
}

/** Percent of a limit used, 0–100 (a limit of 0 is full from the start). */
export function percentUsed(used: number, limit: number): number {
  if (limit <= 0) return 100;
  return Math.min(100, (used / limit) * 100);
}

/** The limits a budget sets, in a fixed order, with their use. */
export function limitRows(budget: Pick<BudgetView, 'limits' | 'use'>): Array<{ metric: BudgetMetric; limit: number; used: number; percent: number }> {
  return BUDGET_METRICS.flatMap((metric) => {
    const limit = budget.limits[metric];
    return limit === undefined ? [] : [{ metric, limit, used: budget.use[metric], percent: percentUsed(budget.use[metric], limit) }];
  });
}

/** The highest percentage of any limit used: what the warnings go by. */
export function highestUse(budget: Pick<BudgetView, 'limits' | 'use'>): number {
  return Math.max(0, ...limitRows(budget).map((row) => row.percent));
}

/** Whether a budget's use has reached its first (lowest) threshold, or its limit when it has none. */
export function needsWarning(budget: Pick<BudgetView, 'limits' | 'use' | 'thresholds'>): boolean {
  return highestUse(budget) >= Math.min(100, ...budget.thresholds);
}

/** What a budget counts, in words; `keyNames` names keys by id (a key id alone means little). */
export function describeScope(budget: Pick<BudgetView, 'scope' | 'scope_id'>, keyNames: ReadonlyMap<string, string> = new Map()): string {
  if (budget.scope_id === null) return SCOPE_LABELS[budget.scope];
  return `${SCOPE_LABELS[budget.scope]} ${(budget.scope === 'key' ? keyNames.get(budget.scope_id) : undefined) ?? budget.scope_id}`;
}
