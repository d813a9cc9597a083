import { formatDateTime, formatRelative } from '../ui/format.js';
import { BudgetBars } from './budget-bars.js';
import { ACTION_LABELS, describeScope, PERIOD_LABELS } from './budget-figures.js';
import type { BudgetView } from './budgets-api.js';

interface BudgetListProps {
  budgets: BudgetView[];
  keyNames: ReadonlyMap<string, string>;
  onEdit: (budget: BudgetView) => void;
  onDelete: (budget: BudgetView) => void;
}

/** Every budget the user sees: what it counts, its use per limit, when it resets, and what it does when exhausted. */
export function BudgetList({ budgets, keyNames, onEdit, onDelete }: BudgetListProps) {
  return (
    <ul className="budget-list">
      {budgets.map((budget) => {
        const name = `${PERIOD_LABELS[budget.period]} budget: ${describeScope(budget, keyNames)}`;
        return (
          <li key={budget.id} id={`budget-${budget.id}`} className="card budget-card" data-budget-id={budget.id} data-testid="budget-card">
            <h3>{name}</h3>
            <BudgetBars budget={budget} />
            <dl className="key-facts">
              <dt>Resets</dt>
              <dd>
                <time dateTime={budget.resets_at} title={formatDateTime(budget.resets_at)} data-testid="budget-resets">
                  {formatRelative(budget.resets_at)}
                </time>{' '}
                <span className="muted">({budget.time_zone})</span>
              </dd>
              <dt>Warnings at</dt>
              <dd data-testid="budget-thresholds">{budget.thresholds.length > 0 ? budget.thresholds.map((t) => `${t}%`).join(', ') : 'None'}</dd>
              <dt>When exhausted</dt>
              <dd data-testid="budget-action">{ACTION_LABELS[budget.action]}</dd>
            </dl>
            {budget.can_manage ? (
              <div className="actions">
                <button type="button" className="button" onClick={() => onEdit(budget)}>
                  Edit<span className="sr-only"> {name}</span>
                </button>
                <button type="button" className="button button-danger" onClick={() => onDelete(budget)}>
                  Delete<span className="sr-only"> {name}</span>
                </button>
              </div>
            ) : (
              <p className="muted small">Set by your organization’s owners or admins.</p>
            )}
          </li>
        );
      })}
    </ul>
  );
}
