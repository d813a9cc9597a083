import { IsolationLevel } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { BUDGET_COLUMNS, type BudgetRow, budgetFromRaw, type BudgetUse, type RawBudgetRow, sumBudgetUse } from './budgets.repository.js';

/** Every budget, in a stable order: the reconciler's list (a few rows per user; read once a minute). */
export async function findAllBudgets(em: EntityManager): Promise<BudgetRow[]> {
  const rows = await em.execute<RawBudgetRow[]>(`SELECT ${BUDGET_COLUMNS} FROM budgets ORDER BY owner_id, id`);
  return rows.map(budgetFromRaw);
}

/** Ids looked up per statement (Postgres binds at most 65,535 parameters). */
const RECORDED_IDS_PER_QUERY = 5000;

/**
 * A budget's use in a window and which of `requestIds` the record already holds, read in one
 * REPEATABLE READ snapshot: every id reported recorded is in the use, so a reconciler that
 * replaces its seed by `use` and drops those ids counts each request exactly once.
 */
export async function readBudgetRecordSnapshot(
  em: EntityManager,
  budget: Pick<BudgetRow, 'scope' | 'scopeId' | 'ownerId'>,
  window: { startMs: number; endMs: number },
  requestIds: readonly string[],
): Promise<{ use: BudgetUse; recorded: string[] }> {
  return em.transactional(
    async (tx) => {
      const recorded: string[] = [];
      // In slices: a counter may hold a minute of requests at a high rate, more ids than one statement may bind.
      for (let i = 0; i < requestIds.length; i += RECORDED_IDS_PER_QUERY) {
        const rows = await tx.execute<Array<{ request_id: string }>>('SELECT request_id FROM usage_events WHERE request_id IN (?)', [requestIds.slice(i, i + RECORDED_IDS_PER_QUERY)]);
        for (const r of rows) recorded.push(r.request_id);
      }
      const use = await sumBudgetUse(tx, budget, window);
      return { use, recorded };
    },
    { isolationLevel: IsolationLevel.REPEATABLE_READ, readOnly: true },
  );
}
