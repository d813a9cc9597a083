import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/postgresql';

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

/** A budget's use in one period, from the record (`usage_events`). */
export interface BudgetUse {
  requests: number;
  tokens: number;
  spend_micro_usd: number;
}

/**
 * Which usage events a budget counts (see `BudgetScope` in `@byok/budgets`): `user` and `provider`
 * count the owner's requests made for themselves (not for an organization), `key` every request
 * its key served, `org` every request made for the organization, `org_member` one member's.
 * Parameters: the scope id, then the owner id.
 */
const SCOPE_FILTER: Record<BudgetRow['scope'], string> = {
  user: 'user_id = $owner AND org_id IS NULL',
  provider: 'user_id = $owner AND org_id IS NULL AND provider = $scope',
  key: 'key_id = $scope::uuid',
  org: 'org_id = $scope::uuid',
  org_member: "org_id = split_part($scope, '/', 1)::uuid AND user_id = substr($scope, strpos($scope, '/') + 1)",
};

/**
 * What the record says a budget used in `[startMs, endMs)`: requests that reached a provider
 * (not the ones a budget refused), their tokens, and their cost at list price. The proxy rebuilds
 * its counters from this when Redis lost them, and the reconciler corrects them by it.
 */
export async function sumBudgetUse(em: EntityManager, budget: Pick<BudgetRow, 'scope' | 'scopeId' | 'ownerId'>, window: { startMs: number; endMs: number }): Promise<BudgetUse> {
  const filter = SCOPE_FILTER[budget.scope].replaceAll('$scope', '?').replaceAll('$owner', '?');
  const params: unknown[] = [];
  for (const match of SCOPE_FILTER[budget.scope].matchAll(/\$(scope|owner)/g)) params.push(match[1] === 'scope' ? budget.scopeId : budget.ownerId);
  const rows = await em.execute<Array<{ requests: string; tokens: string; spend: string }>>(
    `SELECT count(*) AS requests, COALESCE(sum(prompt_tokens + completion_tokens), 0) AS tokens, COALESCE(sum(cost_micro), 0) AS spend
     FROM usage_events WHERE ${filter} AND blocked_budget_id IS NULL AND occurred_at >= ? AND occurred_at < ?`,
    [...params, new Date(window.startMs), new Date(window.endMs)],
  );
  const row = rows[0];
  return { requests: Number(row?.requests ?? 0), tokens: Number(row?.tokens ?? 0), spend_micro_usd: Number(row?.spend ?? 0) };
}

/** What a new budget holds; `ownerId` and `scopeId` are already resolved and checked by the caller. */
export type NewBudget = Pick<BudgetRow, 'ownerId' | 'scope' | 'scopeId' | 'period' | 'timeZone' | 'limits' | 'thresholds' | 'action' | 'createdBy'>;

/** The fields of a budget its manager may change; its scope is its identity and stays. */
export type BudgetPatch = Partial<Pick<BudgetRow, 'period' | 'timeZone' | 'limits' | 'thresholds' | 'action'>>;

/** A limit column per metric; an absent limit is stored as NULL. */
function limitValues(limits: BudgetRow['limits']): [number | null, number | null, number | null] {
  return [limits.requests ?? null, limits.tokens ?? null, limits.spend_micro_usd ?? null];
}

/**
 * Saves a budget, or returns null when its owner already has one for the same scope, scope id and
 * period (the `budgets_identity` index): one statement, so two concurrent creates cannot both win.
 */
export async function insertBudget(em: EntityManager, budget: NewBudget): Promise<BudgetRow | null> {
  const rows = await em.execute<RawBudgetRow[]>(
    `INSERT INTO budgets (owner_id, scope, scope_id, period, time_zone, limit_requests, limit_tokens, limit_spend_micro_usd, thresholds, action, created_by)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::smallint[], ?, ?)
     ON CONFLICT DO NOTHING
     RETURNING ${BUDGET_COLUMNS}`,
    [budget.ownerId, budget.scope, budget.scopeId, budget.period, budget.timeZone, ...limitValues(budget.limits), `{${budget.thresholds.join(',')}}`, budget.action, budget.createdBy],
  );
  return rows[0] === undefined ? null : budgetFromRaw(rows[0]);
}

/** One budget by id, whoever owns it: the caller decides who may see it. `id` must be a UUID. */
export async function findBudgetById(em: EntityManager, id: string): Promise<BudgetRow | null> {
  const rows = await em.execute<RawBudgetRow[]>(`SELECT ${BUDGET_COLUMNS} FROM budgets WHERE id = ?`, [id]);
  return rows[0] === undefined ? null : budgetFromRaw(rows[0]);
}

/**
 * The budgets a user sees: their own, those of every organization in which their role is one of
 * `managingRoles`, and the `org_member` budgets about themselves in any organization they belong to.
 */
export async function listBudgetsVisibleTo(em: EntityManager, userId: string, managingRoles: readonly string[]): Promise<BudgetRow[]> {
  const rows = await em.execute<RawBudgetRow[]>(
    `SELECT ${BUDGET_COLUMNS} FROM budgets
     WHERE owner_id = ?
        OR owner_id IN (SELECT 'org:' || org_id FROM byok_org_members WHERE user_id = ? AND role IN (?))
        OR (scope = 'org_member' AND scope_id IN (SELECT org_id || '/' || user_id FROM byok_org_members WHERE user_id = ?))
     ORDER BY created_at, id`,
    [userId, userId, managingRoles, userId],
  );
  return rows.map(budgetFromRaw);
}

/**
 * Applies `patch` to the budget and returns it, or null when it no longer exists, or `'duplicate'`
 * when a new period collides with another of the owner's budgets of the same scope. The patch is
 * checked by the caller; the table's CHECKs hold the invariants regardless.
 */
export async function updateBudget(em: EntityManager, id: string, patch: BudgetPatch): Promise<BudgetRow | null | 'duplicate'> {
  const sets: string[] = [];
  const params: unknown[] = [];
  const set = (column: string, value: unknown, cast = '') => {
    sets.push(`${column} = ?${cast}`);
    params.push(value);
  };
  if (patch.period !== undefined) set('period', patch.period);
  if (patch.timeZone !== undefined) set('time_zone', patch.timeZone);
  if (patch.limits !== undefined) {
    const [requests, tokens, spend] = limitValues(patch.limits);
    set('limit_requests', requests);
    set('limit_tokens', tokens);
    set('limit_spend_micro_usd', spend);
  }
  if (patch.thresholds !== undefined) set('thresholds', `{${patch.thresholds.join(',')}}`, '::smallint[]');
  if (patch.action !== undefined) set('action', patch.action);
  try {
    const rows = await em.execute<RawBudgetRow[]>(`UPDATE budgets SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = ? RETURNING ${BUDGET_COLUMNS}`, [...params, id]);
    return rows[0] === undefined ? null : budgetFromRaw(rows[0]);
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) return 'duplicate';
    throw error;
  }
}

/** Deletes the budget and returns what it was, or null when there was none. */
export async function deleteBudget(em: EntityManager, id: string): Promise<BudgetRow | null> {
  const rows = await em.execute<RawBudgetRow[]>(`DELETE FROM budgets WHERE id = ? RETURNING ${BUDGET_COLUMNS}`, [id]);
  return rows[0] === undefined ? null : budgetFromRaw(rows[0]);
}

/** Who owns a key (a user id, or `org:<org id>` for an organization's key), or null when there is no such key. `keyId` must be a UUID. */
export async function findKeyOwnerId(em: EntityManager, keyId: string): Promise<string | null> {
  const rows = await em.execute<Array<{ user_id: string }>>('SELECT user_id FROM user_provider_keys WHERE id = ?', [keyId]);
  return rows[0]?.user_id ?? null;
}
