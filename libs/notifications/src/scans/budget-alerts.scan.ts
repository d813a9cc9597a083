import { BUDGET_METRICS, type BudgetMetric, isKnownTimeZone, periodWindow } from '@byok/budgets';
import { type BudgetRow, type BudgetUse, budgetFromRaw, type EntityManager, isOrgId, type Orm, type RawBudgetRow, sumBudgetUse } from '@byok/db';
import { emitNotifications, type NotificationDraft } from '../outbox/emit.js';
import { budgetExceededDraft, budgetName, type BudgetStanding, budgetThresholdDraft } from './budget-events.js';
import { budgetRecipients } from './budget-recipients.js';
import { setKeyEnabledBySystem, type ToggledKey } from './system-key-toggle.js';

/**
 * How far before the previous scan's instant the next scan looks again: usage events reach the
 * table through the queue and the usage consumer, so a request made just before a scan may land
 * after it. Looking twice at a row costs a sum; the dedupe keys make a second emit a no-op.
 */
export const BUDGET_SCAN_OVERLAP_MS = 120_000;

export interface BudgetAlertsResult {
  /** Events written to the outbox (duplicates of earlier scans not counted). */
  emitted: number;
  /** Keys a `disable_key` budget disabled: announce their owners to the proxies after the commit. */
  disabledKeys: ToggledKey[];
}

/**
 * Budgets touched by the usage events recorded in `[since, now]`: budgets of the requesting users
 * and of the organizations they acted for, key budgets of the keys that served, and budgets that
 * refused a request; with the latest refusal per budget. Only budgets over what their owner owns.
 */
async function touchedBudgets(em: EntityManager, sinceMs: number, nowMs: number): Promise<Array<{ budget: BudgetRow; lastBlockedAt: Date | null }>> {
  const rows = await em.execute<Array<RawBudgetRow & { last_blocked_at: Date | string | null }>>(
    `WITH recent AS (
       SELECT DISTINCT user_id, org_id, key_id, blocked_budget_id FROM usage_events WHERE occurred_at >= ? AND occurred_at <= ?
     ), refused AS (
       SELECT blocked_budget_id AS id, max(occurred_at) AS at FROM usage_events
       WHERE occurred_at >= ? AND occurred_at <= ? AND blocked_budget_id IS NOT NULL GROUP BY blocked_budget_id
     )
     SELECT b.*, refused.at AS last_blocked_at
     FROM budgets b LEFT JOIN refused ON refused.id = b.id
     WHERE (b.owner_id IN (SELECT user_id FROM recent UNION SELECT 'org:' || org_id::text FROM recent WHERE org_id IS NOT NULL)
         OR (b.scope = 'key' AND b.scope_id IN (SELECT key_id::text FROM recent WHERE key_id IS NOT NULL))
         OR refused.id IS NOT NULL)
       -- What the budget counts must be its owner's (the API refuses others): no one learns of another's use.
       AND CASE b.scope
         -- By the key's primary key; a scope id that is no uuid (CASE keeps the cast from failing) names no key.
         WHEN 'key' THEN EXISTS (SELECT 1 FROM user_provider_keys k
           WHERE k.id = CASE WHEN b.scope_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN b.scope_id::uuid END AND k.user_id = b.owner_id)
         WHEN 'org' THEN b.owner_id = 'org:' || b.scope_id
         WHEN 'org_member' THEN b.owner_id = 'org:' || split_part(b.scope_id, '/', 1)
         ELSE b.owner_id NOT LIKE 'org:%' END
     ORDER BY b.id`,
    [new Date(sinceMs), new Date(nowMs), new Date(sinceMs), new Date(nowMs)],
  );
  return rows.map((row) => ({ budget: budgetFromRaw(row), lastBlockedAt: row.last_blocked_at === null ? null : new Date(row.last_blocked_at) }));
}

/**
 * Whether the scan can judge the budget: its time zone is known and its scope id can name what the
 * scope counts (key and org ids are uuids, a member scope is `<org id>/<user id>`). The API refuses
 * others; one that got into the table anyway is skipped, since its window or its sum would throw
 * and take every other budget's alerts with it.
 */
function isJudgeable(budget: BudgetRow): boolean {
  if (!isKnownTimeZone(budget.timeZone)) return false;
  if (budget.scope === 'user' || budget.scope === 'provider') return true;
  const id = budget.scopeId ?? '';
  if (budget.scope === 'org_member') return isOrgId(id.split('/', 1)[0] ?? '') && id.indexOf('/') < id.length - 1;
  return isOrgId(id);
}

/** The limit closest to being used up, in percent rounded down (at 100 it is used up; a limit of 0 is at once). */
function tightest(limits: BudgetRow['limits'], use: BudgetUse): { metric: BudgetMetric; percent: number } {
  let best: { metric: BudgetMetric; percent: number } | undefined;
  for (const metric of BUDGET_METRICS) {
    const limit = limits[metric];
    if (limit === undefined) continue;
    const percent = limit === 0 ? 100 : Math.floor((use[metric] * 100) / limit);
    if (best === undefined || percent > best.percent) best = { metric, percent };
  }
  // The table's CHECK guarantees a limit; a row without one limits nothing.
  return best ?? { metric: 'requests', percent: 0 };
}

/**
 * Tells budget owners about thresholds crossed and budgets used up, from the usage recorded since
 * the last scan (`since`): `budget_threshold` for each threshold the budget's tightest limit has
 * reached in its current period, `budget_exceeded` when a limit is reached or the budget refused a
 * request in this period. Each is emitted once per budget, threshold and period — the dedupe scope
 * names the period — however many notifiers scan. A user's budget tells the user; an
 * organization's tells its owners and admins.
 *
 * A used-up key budget with `action = 'disable_key'` disables its key in the same transaction,
 * audited as `key.disabled` (reason `budget_exceeded`), and records the period in
 * `budgets.disabled_key_period`, once per period: a key the owner enables again by hand stays
 * enabled (see `resetBudgetDisabledKeys` for the reset).
 */
export async function scanBudgetAlerts(orm: Orm, options: { since: number; now?: number }): Promise<BudgetAlertsResult> {
  const nowMs = options.now ?? Date.now();
  const occurredAt = new Date(nowMs).toISOString();
  return orm.em.fork().transactional(async (em) => {
    const touched = await touchedBudgets(em, options.since, nowMs);
    if (touched.length === 0) return { emitted: 0, disabledKeys: [] };
    const recipients = await budgetRecipients(em, [...new Set(touched.map((t) => t.budget.ownerId))]);
    const drafts: NotificationDraft[] = [];
    const disabledKeys: ToggledKey[] = [];
    for (const { budget, lastBlockedAt } of touched) {
      if (!isJudgeable(budget)) continue;
      const window = periodWindow(budget.period, budget.timeZone, nowMs);
      const use = await sumBudgetUse(em, budget, window);
      const { metric, percent } = tightest(budget.limits, use);
      const exhausted = percent >= 100;
      const standing: BudgetStanding = { budget, periodId: window.id, resetsAt: new Date(window.endMs).toISOString(), use, metric, percent };
      const blocked = lastBlockedAt !== null && lastBlockedAt.getTime() >= window.startMs;
      const keyDisabled = exhausted ? await disableKeyOfBudget(em, standing) : null;
      if (keyDisabled) disabledKeys.push(keyDisabled);
      for (const recipient of recipients.get(budget.ownerId) ?? []) {
        for (const threshold of budget.thresholds) if (percent >= threshold) drafts.push(budgetThresholdDraft(recipient, standing, threshold, occurredAt));
        if (exhausted || blocked) drafts.push(budgetExceededDraft(recipient, standing, { blocked, keyDisabled: keyDisabled !== null }, occurredAt));
      }
    }
    const emitted = await emitNotifications(em, drafts);
    return { emitted: emitted.filter((e) => e.emitted).length, disabledKeys };
  });
}

/**
 * The `disable_key` action of a used-up key budget, once per period: the first scan to claim the
 * period (the conditional update below, which also serialises two notifiers on the budget's row)
 * disables the key; later scans in the period leave the key as its owner may have set it since.
 */
async function disableKeyOfBudget(em: EntityManager, { budget, periodId, resetsAt }: BudgetStanding): Promise<ToggledKey | null> {
  if (budget.action !== 'disable_key' || budget.scope !== 'key' || budget.scopeId === null) return null;
  // The key is the budget owner's (`touchedBudgets` leaves out budgets naming somebody else's key).
  const claimed = await em.execute<Array<{ id: string }>>(
    'UPDATE budgets SET disabled_key_period = ? WHERE id = ? AND disabled_key_period IS DISTINCT FROM ? RETURNING id',
    [periodId, budget.id, periodId],
  );
  if (claimed.length === 0) return null;
  return setKeyEnabledBySystem(em, budget.scopeId, {
    enabled: false,
    details: { reason: 'budget_exceeded', budget_id: budget.id, period: periodId },
    cause: { kind: 'budget_exceeded', budgetId: budget.id, budgetName: budgetName(budget), periodId, resetsAt },
  });
}
