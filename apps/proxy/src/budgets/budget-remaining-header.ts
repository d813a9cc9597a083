import { BUDGET_METRICS, type BudgetMetric } from '@byok/budgets';
import type { HeldCharge } from '@byok/budgets/counters';

export const BUDGET_REMAINING_HEADER = 'x-byok-budget-remaining';

/**
 * `x-byok-budget-remaining` for the tightest budget that applies: the limit with the smallest
 * share left after this request's hold, as `<metric>=<left>; budget=<id>; resets=<RFC 3339>`,
 * e.g. `spend_micro_usd=12345; budget=4f…; resets=2026-12-08T00:00:00.000Z`. Undefined when no
 * applying budget has a limit that refuses (only `notify` budgets). For a hold served from the
 * instance's lease, `left` is the instance's knowledge (see `HeldCharge.remaining`).
 */
export function budgetRemainingHeader(held: readonly HeldCharge[]): string | undefined {
  let best: HeldCharge | undefined;
  let bestShare = 0;
  let bestMetric: BudgetMetric = 'requests';
  let bestLeft = 0;
  for (const charge of held) {
    for (const metric of BUDGET_METRICS) {
      const left = charge.remaining[metric];
      const limit = charge.budget.limits[metric];
      if (left === undefined || limit === undefined) continue;
      const share = limit === 0 ? 0 : left / limit;
      if (best === undefined || share < bestShare) {
        best = charge;
        bestShare = share;
        bestMetric = metric;
        bestLeft = left;
      }
    }
  }
  return best && `${bestMetric}=${bestLeft}; budget=${best.budget.id}; resets=${resetsAt(best.window.endMs)}`;
}

/** The last few reset instants as text: a handful of periods are live at a time, and every answer names one. */
const resetTexts = new Map<number, string>();

function resetsAt(endMs: number): string {
  let text = resetTexts.get(endMs);
  if (text === undefined) {
    if (resetTexts.size >= 64) resetTexts.clear();
    text = new Date(endMs).toISOString();
    resetTexts.set(endMs, text);
  }
  return text;
}
