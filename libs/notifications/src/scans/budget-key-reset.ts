import { isKnownTimeZone, periodWindow } from '@byok/budgets';
import { budgetFromRaw, type BudgetRow, type EntityManager, type Orm, type RawBudgetRow } from '@byok/db';
import { lastKeyToggle, setKeyEnabledBySystem, type ToggledKey } from './system-key-toggle.js';

/** Why a `disable_key` budget's disable is undone: its period ended, or its owner deleted or changed the budget. */
export type BudgetKeyUndoReason = 'budget_reset' | 'budget_deleted' | 'budget_changed';

/**
 * The reset of `disable_key` budgets: for each budget whose `disabled_key_period` is no longer its
 * current period, undoes its disable (see `undoBudgetKeyDisable`). Rows are claimed `FOR UPDATE
 * SKIP LOCKED`: two notifiers resetting at once share the work. Returns the keys enabled again, to
 * announce to the proxies.
 */
export async function resetBudgetDisabledKeys(orm: Orm, options: { now?: number } = {}): Promise<ToggledKey[]> {
  const nowMs = options.now ?? Date.now();
  return orm.em.fork().transactional(async (em) => {
    const rows = await em.execute<RawBudgetRow[]>('SELECT * FROM budgets WHERE disabled_key_period IS NOT NULL ORDER BY id FOR UPDATE SKIP LOCKED');
    const enabled: ToggledKey[] = [];
    for (const budget of rows.map(budgetFromRaw)) {
      // A zone the runtime does not know (the API refuses them) has no period to end: the key stays as it is.
      if (!isKnownTimeZone(budget.timeZone)) continue;
      if (budget.disabledKeyPeriod === periodWindow(budget.period, budget.timeZone, nowMs).id) continue;
      const key = await undoBudgetKeyDisable(em, budget, 'budget_reset');
      if (key) enabled.push(key);
    }
    return enabled;
  });
}

/**
 * Enables the key a `disable_key` budget disabled, only when the last enable or disable of the key
 * is still the budget's own (`key.disabled`, reason `budget_exceeded`, this budget): a key its
 * owner disabled or enabled by hand since then stays as the owner set it, and an administrator's
 * disable holds (the owner's toggle cannot lift it). The budget's `disabled_key_period` is cleared
 * either way, so each disable is undone at most once. Call it in the transaction that resets,
 * changes or deletes the budget (before a delete); returns the key enabled again, to announce.
 */
export async function undoBudgetKeyDisable(em: EntityManager, budget: Pick<BudgetRow, 'id' | 'scope' | 'scopeId' | 'disabledKeyPeriod'>, reason: BudgetKeyUndoReason): Promise<ToggledKey | null> {
  if (budget.disabledKeyPeriod === null) return null;
  let enabled: ToggledKey | null = null;
  if (budget.scope === 'key' && budget.scopeId !== null) {
    const last = await lastKeyToggle(em, budget.scopeId);
    const stillOurs = last?.action === 'key.disabled' && last.details.reason === 'budget_exceeded' && last.details.budget_id === budget.id;
    if (stillOurs) enabled = await setKeyEnabledBySystem(em, budget.scopeId, { enabled: true, details: { reason, budget_id: budget.id, period: budget.disabledKeyPeriod } });
  }
  await em.execute('UPDATE budgets SET disabled_key_period = NULL WHERE id = ?', [budget.id]);
  return enabled;
}
