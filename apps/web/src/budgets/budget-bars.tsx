import type { BudgetView } from './budgets-api.js';
import { formatMetric, limitRows, METRIC_LABELS } from './budget-figures.js';

/**
 * One bar per limit: this period's use against it, marked at each threshold. The drawn bar is
 * decoration; assistive technology reads the (visually hidden) meter and the text beside it.
 */
export function BudgetBars({ budget }: { budget: Pick<BudgetView, 'limits' | 'use' | 'thresholds'> }) {
  return (
    <ul className="budget-bars">
      {limitRows(budget).map(({ metric, limit, used, percent }) => {
        const state = percent >= 100 ? 'exhausted' : percent >= Math.min(100, ...budget.thresholds) ? 'warning' : 'ok';
        const text = `${formatMetric(metric, used)} of ${formatMetric(metric, limit)}`;
        return (
          <li key={metric} data-metric={metric} data-state={state}>
            <span className="budget-bar-label">
              {METRIC_LABELS[metric]}: <span data-testid="budget-use">{text}</span>
            </span>
            <meter className="sr-only" min={0} max={100} value={percent} aria-label={`${METRIC_LABELS[metric]} used`} aria-valuetext={`${Math.round(percent)}%, ${text}`}>
              {Math.round(percent)}%
            </meter>
            <div className={`budget-bar budget-bar-${state}`} aria-hidden="true">
              <div className="budget-bar-fill" style={{ width: `${percent}%` }} />
              {budget.thresholds.map((threshold) => (
                <span key={threshold} className="budget-bar-threshold" style={{ left: `${threshold}%` }} />
              ))}
            </div>
          </li>
        );
      })}
    </ul>
  );
}
