import type { EntityManager } from '@mikro-orm/postgresql';

/** A row of `budgets`, as every reader of it sees it (the shape of `Budget` in `@byok/budgets`). */
export interface BudgetRow {
  id: string;
  ownerId: string;
  scope: 'user' | 'provider' | 'key' | 'org' | 'org_member';
  scopeId: string | null;
  period: 'day' | 'week' | 'month';
  timeZone: string;
  limits: { requests?: number; tokens?: number; spend_micro_usd?: number };
  thresholds: number[];
  action: 'block' | 'disable_key' | 'notify';
  disabledKeyPeriod: string | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export const BUDGET_COLUMNS = `id, owner_id, scope, scope_id, period, time_zone, limit_requests, limit_tokens, limit_spend_micro_usd,
  thresholds, action, disabled_key_period, created_by, created_at, updated_at`;

export type RawBudgetRow = {
  id: string;
  owner_id: string;
  scope: BudgetRow['scope'];
  scope_id: string | null;
  period: BudgetRow['period'];
  time_zone: string;
  limit_requests: string | number | null;
  limit_tokens: string | number | null;
  limit_spend_micro_usd: string | number | null;
  thresholds: number[];
  action: BudgetRow['action'];
  disabled_key_period: string | null;
  created_by: string;
  created_at: Date | string;
  updated_at: Date | string;
};

/** BIGINT arrives as text; limits are validated to safe integers on the way in. */
export function budgetFromRaw(row: RawBudgetRow): BudgetRow {
  const limits: BudgetRow['limits'] = {};
  if (row.limit_requests !== null) limits.requests = Number(row.limit_requests);
  if (row.limit_tokens !== null) limits.tokens = Number(row.limit_tokens);
  if (row.limit_spend_micro_usd !== null) limits.spend_micro_usd = Number(row.limit_spend_micro_usd);
  return {
    id: row.id,
    ownerId: row.owner_id,
    scope: row.scope,
    scopeId: row.scope_id,
    period: row.period,
    timeZone: row.time_zone,
    limits,
    thresholds: row.thresholds.map(Number),
    action: row.action,
    disabledKeyPeriod: row.disabled_key_period,
    createdBy: row.created_by,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

/**
 * Every budget owned by any of `ownerIds` (a user and, acting for an organization, `org:<org id>`):
 * the proxy's candidates for a request, filtered by scope in memory.
 */
export async function findBudgetsOfOwners(em: EntityManager, ownerIds: readonly string[]): Promise<BudgetRow[]> {
  if (ownerIds.length === 0) return [];
  const rows = await em.execute<RawBudgetRow[]>(`SELECT ${BUDGET_COLUMNS} FROM budgets WHERE owner_id IN (?) ORDER BY created_at, id`, [ownerIds]);
  return rows.map(budgetFromRaw);
}
