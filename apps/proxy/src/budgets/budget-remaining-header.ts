import type { HeldCharge } from '@byok/budgets/counters';

export const BUDGET_REMAINING_HEADER = 'x-byok-budget-remaining';

/**
 * `x-byok-budget-remaining` for the tightest budget that applies: the limit with the smallest
 * share left after this request's hold, as `<metric>=<left>; budget=<id>; resets=<RFC 3339>`,
 * e.g. `spend_micro_usd=12345; budget=4f…; resets=2026-12-08T00:00:00.000Z`. Undefined when no
 * applying budget has a limit that refuses (only `notify` budgets).
 */
export function budgetRemainingHeader(held: readonly HeldCharge[]): string | undefined {
  let best: { share: number; text: string } | undefined;
  for (const charge of held) {
    for (const [metric, left] of Object.entries(charge.remaining)) {
      const limit = charge.budget.limits[metric as keyof typeof charge.budget.limits];
      if (left === undefined || limit === undefined) continue;
      const share = limit === 0 ? 0 : left / limit;
      if (best !== undefined && share >= best.share) continue;
      best = { share, text: `${metric}=${left}; budget=${charge.budget.id}; resets=${new Date(charge.window.endMs).toISOString()}` };
    }
  }
  return best?.text;
}
