import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';
import { useApp } from '../app/app-context.js';
import { Link } from '../app/router.js';
import { highestUse, needsWarning } from './budget-figures.js';
import { budgetsApi, type BudgetView } from './budgets-api.js';

/** Key budgets by key id, loaded once for the keys page. */
const KeyBudgets = createContext<ReadonlyMap<string, BudgetView[]>>(new Map());

/**
 * Loads the user's key budgets for the key cards. A failure leaves the cards without warnings:
 * the budgets page is where a budget's own errors are shown.
 */
export function KeyBudgetsProvider({ children }: { children: ReactNode }) {
  const { client } = useApp();
  const [byKey, setByKey] = useState<ReadonlyMap<string, BudgetView[]>>(new Map());
  useEffect(() => {
    let live = true;
    budgetsApi(client)
      .list()
      .then((budgets) => {
        const map = new Map<string, BudgetView[]>();
        for (const budget of budgets) if (budget.scope === 'key' && budget.scope_id !== null) map.set(budget.scope_id, [...(map.get(budget.scope_id) ?? []), budget]);
        if (live) setByKey(map);
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [client]);
  return <KeyBudgets.Provider value={byKey}>{children}</KeyBudgets.Provider>;
}

/** A line on a key's card once one of its budgets has reached its first warning threshold. */
export function KeyBudgetWarning({ keyId }: { keyId: string }) {
  const budgets = useContext(KeyBudgets).get(keyId) ?? [];
  const warned = budgets.filter(needsWarning);
  if (warned.length === 0) return null;
  const percent = Math.round(Math.max(...warned.map(highestUse)));
  return (
    <p className="notice notice-warning small" data-testid="key-budget-warning">
      {percent >= 100 ? 'Budget exhausted' : `${percent}% of its budget used`} this period. <Link href="/account/budgets">See budgets</Link>
    </p>
  );
}
