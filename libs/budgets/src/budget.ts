/**
 * A budget (issue #18): limits on requests, tokens and spend per period, for one scope.
 *
 * - `user`: every request of the owner user (`scopeId` absent).
 * - `provider`: the owner user's requests to one provider (`scopeId` = provider id).
 * - `key`: requests served by one key (`scopeId` = key id); the key's owner — a user, or an
 *   organization for an org key — owns the budget.
 * - `org`: every request made for an organization (`scopeId` = org id).
 * - `org_member`: one member's requests for an organization (`scopeId` = `<org id>/<user id>`).
 */
export type BudgetScope = 'user' | 'provider' | 'key' | 'org' | 'org_member';
export const BUDGET_SCOPES: readonly BudgetScope[] = ['user', 'provider', 'key', 'org', 'org_member'];

export type BudgetPeriod = 'day' | 'week' | 'month';
export const BUDGET_PERIODS: readonly BudgetPeriod[] = ['day', 'week', 'month'];

/**
 * - `block`: requests that would pass a limit get 429 `budget_exceeded` (a key budget makes the key skip).
 * - `disable_key`: a key budget's key is disabled when exhausted and enabled again at the reset.
 * - `notify`: nothing is refused; thresholds and exhaustion are only notified.
 */
export type BudgetAction = 'block' | 'disable_key' | 'notify';
export const BUDGET_ACTIONS: readonly BudgetAction[] = ['block', 'disable_key', 'notify'];

/** What a budget counts. */
export type BudgetMetric = 'requests' | 'tokens' | 'spend_micro_usd';
export const BUDGET_METRICS: readonly BudgetMetric[] = ['requests', 'tokens', 'spend_micro_usd'];

/** At least one limit is set; each is a non-negative safe integer. */
export type BudgetLimits = Partial<Record<BudgetMetric, number>>;

export interface Budget {
  id: string;
  /** Who owns (and may change) the budget: a user id, or `org:<org id>` for org and org-member scopes and org keys' budgets. */
  ownerId: string;
  scope: BudgetScope;
  /** Absent for `user`; see `BudgetScope`. */
  scopeId: string | null;
  period: BudgetPeriod;
  /** IANA time zone in which the period starts (midnight; weeks start on Monday). */
  timeZone: string;
  limits: BudgetLimits;
  /** Percentages of a limit (1–100) at which the owner is notified, once per period. */
  thresholds: number[];
  action: BudgetAction;
}
