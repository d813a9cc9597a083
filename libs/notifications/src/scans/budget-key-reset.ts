import { isKnownTimeZone, periodWindow } from '@byok/budgets';
import { budgetFromRaw, type Orm, type RawBudgetRow } from '@byok/db';
import { lastKeyToggle, setKeyEnabledBySystem, type ToggledKey } from './system-key-toggle.js';

/**
 * The reset of `disable_key` budgets: for each budget whose `disabled_key_period` is no longer its
 * current period, enables the key again — only when the last enable or disable of the key is still
 * the budget's own (`key.disabled`, reason `budget_exceeded`, this budget). A key its owner
 * disabled or enabled by hand since then stays as the owner set it; an administrator's disable
 * holds (the owner's toggle cannot lift it). The column is cleared either way, so each period's
 * disable is undone at most once. Rows are claimed `FOR UPDATE SKIP LOCKED`: two notifiers
 * resetting at once share the work. Returns the keys enabled again, to announce to the proxies.
 */
export async function resetBudgetDisabledKeys(orm: Orm, options: { now?: number } = {}): Promise<ToggledKey[]> {
  const nowMs = options.now ?? Date.now();
  return orm.em.fork().transactional(async (em) => {
    const rows = await em.execute<RawBudgetRow[]>('SELECT * FROM budgets WHERE disabled_key_period IS NOT NULL ORDER BY id FOR UPDATE SKIP LOCKED');
    const enabled: ToggledKey[] = [];
    for (const budget of rows.map(budgetFromRaw)) {
      // A zone the runtime does not know (the API refuses them) has no period to end: the key stays as it is.
      if (!isKnownTimeZone(budget.timeZone) || budget.scopeId === null) continue;
      if (budget.disabledKeyPeriod === periodWindow(budget.period, budget.timeZone, nowMs).id) continue;
      const last = budget.scope === 'key' ? await lastKeyToggle(em, budget.scopeId) : null;
      const stillOurs = last?.action === 'key.disabled' && last.details.reason === 'budget_exceeded' && last.details.budget_id === budget.id;
      if (stillOurs) {
        const key = await setKeyEnabledBySystem(em, budget.scopeId, true, { reason: 'budget_reset', budget_id: budget.id, period: budget.disabledKeyPeriod });
        if (key) enabled.push(key);
      }
      await em.execute('UPDATE budgets SET disabled_key_period = NULL WHERE id = ?', [budget.id]);
    }
    return enabled;
  });
}
