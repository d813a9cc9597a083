import type { ApiClient } from '../api/http.js';

export type BudgetScope = 'user' | 'provider' | 'key' | 'org' | 'org_member';
export type BudgetPeriod = 'day' | 'week' | 'month';
export type BudgetAction = 'block' | 'disable_key' | 'notify';
export type BudgetMetric = 'requests' | 'tokens' | 'spend_micro_usd';
export const BUDGET_METRICS: readonly BudgetMetric[] = ['requests', 'tokens', 'spend_micro_usd'];

export type BudgetAmounts = Partial<Record<BudgetMetric, number>>;

/** One budget as `GET /api/v1/llm/budgets` lists it. */
export interface BudgetView {
  id: string;
  scope: BudgetScope;
  scope_id: string | null;
  org_id: string | null;
  can_manage: boolean;
  period: BudgetPeriod;
  time_zone: string;
  limits: BudgetAmounts;
  thresholds: number[];
  action: BudgetAction;
  use: Record<BudgetMetric, number>;
  remaining: BudgetAmounts;
  period_start: string;
  resets_at: string;
  created_by: string;
  created_at: string;
  updated_at: string;
}

/**
 * What the form sends: the whole budget on create; on change, the fields the API lets change.
 * Numbers as typed: text that is not a number is sent as is, so the API's 400 names its field.
 */
export interface BudgetInput {
  scope: BudgetScope;
  scope_id?: string;
  period: BudgetPeriod;
  time_zone: string;
  limits: Partial<Record<BudgetMetric, number | string>>;
  thresholds: Array<number | string>;
  action: BudgetAction;
}

const BUDGETS = '/api/v1/llm/budgets';

/** The budget routes as typed calls. */
export function budgetsApi(client: ApiClient) {
  return {
    list: async () => (await client.get<{ budgets: BudgetView[] }>(BUDGETS)).budgets,
    create: (input: BudgetInput) => client.post<BudgetView>(BUDGETS, input),
    /** Scope and scope id are a budget's identity and stay; everything else may change. */
    update: (id: string, { scope: _scope, scope_id: _scopeId, ...change }: BudgetInput) => client.patch<BudgetView>(`${BUDGETS}/${encodeURIComponent(id)}`, change),
    remove: (id: string) => client.del(`${BUDGETS}/${encodeURIComponent(id)}`),
  };
}

export type BudgetsApi = ReturnType<typeof budgetsApi>;
