export { type BudgetAmounts, type BudgetCharge, type BudgetInPeriod, chargesByOwner } from './budget-amounts.js';
export { type BudgetCounters, type BudgetCountersDeps, type BudgetRecordReader, type BudgetReservation, createBudgetCounters, type HeldCharge, type ReserveBudgetsInput } from './budget-counters.js';
export { type BudgetReconcileDeps, type BudgetRecordSnapshot, reconcileBudget, reconcileBudgets } from './budget-reconcile.js';
export { trackedRequestIds } from './budget-store.js';
export { type LiveBudgetUse, readBudgetUse } from './budget-use.js';
export { budgetCounterKeys, type BudgetCounterKeys, COUNTER_GRACE_MS, countedMetrics, untilPeriodExpiry } from './counter-names.js';
export type { LeasePolicy } from './local-budget.js';
