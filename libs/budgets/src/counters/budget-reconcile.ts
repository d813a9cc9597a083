import type { Redis } from 'ioredis';
import type { Budget } from '../budget.js';
import { type PeriodWindow, periodWindow } from '../period-window.js';
import type { BudgetAmounts } from './budget-amounts.js';
import { readCounter, reconcileCounter, trackedRequestIds } from './budget-store.js';
import { budgetCounterKeys } from './counter-names.js';

/**
 * The record of a budget's period, and which of `requestIds` are in it. Both must come from one
 * snapshot of the database (every recorded id is in `use`), or a request could count twice or
 * not at all.
 */
export type BudgetRecordSnapshot = (budget: Budget, window: PeriodWindow, requestIds: readonly string[]) => Promise<{ use: BudgetAmounts; recorded: readonly string[] }>;

export interface BudgetReconcileDeps {
  redis: Redis;
  prefix: string;
  readSnapshot: BudgetRecordSnapshot;
}

/** Recorded ids dropped per script call, so one call stays short however many the counter held. */
const DROP_BATCH = 1000;

/**
 * Corrects a budget's counter of the current period by the record: the seed becomes what the
 * record says now, and the requests the record already holds (settled, or held and never settled)
 * stop counting on their own — so the counter holds only what the record has not seen yet, and
 * its size stays bounded by the requests of the last minute or so. Holds in flight, leases, and
 * settled requests whose usage events are still on their way stay. The first script replaces the
 * seed and drops the first recorded ids at once; when there are more, the counter reads high
 * until the last batch (a request may be refused early), never low (no request can pass a limit).
 * A request settled after the ids were read and recorded before the snapshot counts twice until
 * the next run. A period whose counter was never seeded is left alone: the proxy seeds it.
 * Returns whether the counter was corrected.
 */
export async function reconcileBudget(deps: BudgetReconcileDeps, budget: Budget, nowMs: number): Promise<boolean> {
  const window = periodWindow(budget.period, budget.timeZone, nowMs);
  const keys = budgetCounterKeys(deps.prefix, budget, window);
  if (!(await readCounter(deps.redis, keys)).seeded) return false;
  const { use, recorded } = await deps.readSnapshot(budget, window, await trackedRequestIds(deps.redis, keys));
  for (let i = 0; i === 0 || i < recorded.length; i += DROP_BATCH) {
    if (!(await reconcileCounter(deps.redis, keys, i === 0 ? use : undefined, recorded.slice(i, i + DROP_BATCH)))) return false;
  }
  return true;
}

/** Reconciles every budget in turn; a budget that fails is reported and the others go on. Returns how many were corrected. */
export async function reconcileBudgets(deps: BudgetReconcileDeps, budgets: readonly Budget[], nowMs: number, onError: (budget: Budget, error: unknown) => void): Promise<number> {
  let corrected = 0;
  for (const budget of budgets) {
    try {
      if (await reconcileBudget(deps, budget, nowMs)) corrected++;
    } catch (error) {
      onError(budget, error);
    }
  }
  return corrected;
}
