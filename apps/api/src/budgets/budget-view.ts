import { BUDGET_METRICS, type PeriodWindow } from '@byok/budgets';
import type { BudgetRow, BudgetUse } from '@byok/db';
import { budgetOrgId } from './budget-scope.js';

/** A budget as the API shows it: its settings, this period's use, what remains of each limit, and when it resets. */
export function toBudgetView(budget: BudgetRow, use: BudgetUse, window: PeriodWindow, canManage: boolean) {
  const remaining: BudgetRow['limits'] = {};
  for (const metric of BUDGET_METRICS) {
    const limit = budget.limits[metric];
    if (limit !== undefined) remaining[metric] = Math.max(0, limit - use[metric]);
  }
  return {
    id: budget.id,
    scope: budget.scope,
    scope_id: budget.scopeId,
    org_id: budgetOrgId(budget),
    can_manage: canManage,
    period: budget.period,
    time_zone: budget.timeZone,
    limits: budget.limits,
    thresholds: budget.thresholds,
    action: budget.action,
    use,
    remaining,
    period_start: new Date(window.startMs).toISOString(),
    resets_at: new Date(window.endMs).toISOString(),
    created_by: budget.createdBy,
    created_at: budget.createdAt.toISOString(),
    updated_at: budget.updatedAt.toISOString(),
  };
}

export type BudgetViewBody = ReturnType<typeof toBudgetView>;
