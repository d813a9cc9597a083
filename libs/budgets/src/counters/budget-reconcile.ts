import { heldIds, isHeld, release, settle } from '@byok/reservations';
import type { Redis } from 'ioredis';
import type { Budget } from '../budget.js';
import { type PeriodWindow, periodWindow } from '../period-window.js';
import type { BudgetAmounts } from './budget-amounts.js';
import { budgetCounterName, countedMetrics, SEED_RESERVATION_ID, untilPeriodExpiry } from './counter-names.js';

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

/**
 * Corrects a budget's counters of the current period by the record: the seed becomes what the
 * record says now, and the requests the record already holds stop counting on their own. Holds of
 * requests that run, and settled requests whose usage events are still on their way, stay. The
 * seed is replaced before those requests are dropped, so between the two steps the counters read
 * high (a request may be refused early), never low (no request can pass a limit). A period whose
 * counters were never seeded is left alone: the proxy seeds it before its first request.
 * Returns whether the counters were corrected.
 */
export async function reconcileBudget(deps: BudgetReconcileDeps, budget: Budget, nowMs: number): Promise<boolean> {
  const window = periodWindow(budget.period, budget.timeZone, nowMs);
  const scope = { prefix: deps.prefix, scope: budget.ownerId };
  const counters = countedMetrics(budget).map((metric) => ({ metric, counter: budgetCounterName(budget.id, window.id, metric) }));
  const first = counters[0]?.counter;
  if (first === undefined || !(await isHeld(deps.redis, scope, first, SEED_RESERVATION_ID))) return false;
  const requestIds = (await heldIds(deps.redis, scope, first)).filter((id) => id !== SEED_RESERVATION_ID);
  const { use, recorded } = await deps.readSnapshot(budget, window, requestIds);
  await settle(deps.redis, { ...scope, id: SEED_RESERVATION_ID, ttlMs: untilPeriodExpiry(window, nowMs), counters: counters.map((c) => ({ counter: c.counter, amount: use[c.metric] })) });
  const names = counters.map((c) => c.counter);
  await Promise.all(recorded.map((id) => release(deps.redis, { ...scope, id, counters: names })));
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
