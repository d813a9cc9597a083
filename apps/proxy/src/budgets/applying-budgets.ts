import { orgKeyOwner } from '@byok/auth';
import type { Budget } from '@byok/budgets';

/** Who a request is made by and for: the user, and the org when it acts for one (`x-byok-org`, an org token). */
export interface BudgetCaller {
  userId: string;
  orgId?: string | undefined;
}

/** The owners whose budgets can apply to a request: the user, and `org:<id>` when it acts for an org. */
export function budgetOwners(caller: BudgetCaller): string[] {
  return caller.orgId === undefined ? [caller.userId] : [caller.userId, orgKeyOwner(caller.orgId)];
}

/** The route a request takes: its provider, and the key when it is a user's or an org's. */
export interface BudgetRoute {
  provider: string;
  keyId: string | undefined;
}

/**
 * The budgets (of the caller's owners) that count a request on `route`, by exactly the rule the
 * record applies (`sumBudgetUse` in `@byok/db`), so counters and record agree: `user` and
 * `provider` count the user's requests not made for an org; `key` every request its key serves;
 * `org` every request made for the org; `org_member` one member's requests for the org.
 */
export function applyingBudgets(budgets: readonly Budget[], caller: BudgetCaller, route: BudgetRoute): Budget[] {
  return budgets.filter((budget) => applies(budget, caller, route));
}

function applies(budget: Budget, caller: BudgetCaller, route: BudgetRoute): boolean {
  switch (budget.scope) {
    case 'user':
      return caller.orgId === undefined && budget.ownerId === caller.userId;
    case 'provider':
      return caller.orgId === undefined && budget.ownerId === caller.userId && budget.scopeId === route.provider;
    case 'key':
      return route.keyId !== undefined && budget.scopeId === route.keyId;
    case 'org':
      return caller.orgId !== undefined && budget.scopeId === caller.orgId;
    case 'org_member':
      return caller.orgId !== undefined && budget.scopeId === `${caller.orgId}/${caller.userId}`;
  }
}
