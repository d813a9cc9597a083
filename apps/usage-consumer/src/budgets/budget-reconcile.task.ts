import { type BudgetReconcileDeps, reconcileBudgets } from '@byok/budgets/counters';
import { findAllBudgets, readBudgetRecordSnapshot } from '@byok/db';
import { type PeriodicTask, type Runtime, startPeriodicTask } from '@byok/runtime';

/**
 * Every `everyMs`, corrects the budget counters of the current periods by the record (see
 * `reconcileBudget` in `@byok/budgets/counters`): what the proxies' counters drifted by (a settle
 * that never came, a proxy that crashed with holds, a request counted twice after Redis lost its
 * counters) is gone within a minute. It runs in the usage consumer, the process that writes the
 * record; several consumers reconciling at once correct the same counters to the same values.
 */
export function startBudgetReconcileTask(runtime: Pick<Runtime, 'orm' | 'redis' | 'config' | 'logger'>, everyMs: number, now: () => number = Date.now): PeriodicTask {
  const { orm, redis, config, logger } = runtime;
  const deps: BudgetReconcileDeps = { redis, prefix: config.redisPrefix, readSnapshot: (budget, window, ids) => readBudgetRecordSnapshot(orm.em.fork(), budget, window, ids) };
  return startPeriodicTask({
    name: 'budget reconcile',
    everyMs,
    logger,
    run: async () => {
      const budgets = await findAllBudgets(orm.em.fork());
      await reconcileBudgets(deps, budgets, now(), (budget, err) => logger.warn({ err, budget_id: budget.id }, 'could not reconcile a budget; trying again at the next tick'));
    },
  });
}
