import type { UsageSums } from '@byok/db';
import { microToDecimal } from '../http/money.js';
import type { UsageMetrics } from './usage.schemas.js';

/** Sums of nothing: what a day or group without traffic reports. */
export const EMPTY_SUMS: UsageSums = {
  calls: 0,
  errors: 0,
  promptTokens: 0,
  completionTokens: 0,
  costMicro: 0,
  creditsMicro: 0,
  byokCalls: 0,
  byokCostMicro: 0,
  lastUsedAt: null,
};

/** The API's view of a set of sums: integers as they are, money in both forms. */
export function toMetrics(sums: UsageSums): UsageMetrics {
  return {
    calls: sums.calls,
    errors: sums.errors,
    prompt_tokens: sums.promptTokens,
    completion_tokens: sums.completionTokens,
    byok_calls: sums.byokCalls,
    cost_micro: sums.costMicro,
    cost_usd: microToDecimal(sums.costMicro),
    credits_charged_micro: sums.creditsMicro,
    credits_charged: microToDecimal(sums.creditsMicro),
    credits_saved_micro: sums.byokCostMicro,
    credits_saved: microToDecimal(sums.byokCostMicro),
    last_used_at: sums.lastUsedAt ? sums.lastUsedAt.toISOString() : null,
  };
}

/** Adds groups up into totals (groups partition the rows, so their sums are the range's sums). */
export function addSums(groups: readonly UsageSums[]): UsageSums {
  return groups.reduce<UsageSums>(
    (total, g) => ({
      calls: total.calls + g.calls,
      errors: total.errors + g.errors,
      promptTokens: total.promptTokens + g.promptTokens,
      completionTokens: total.completionTokens + g.completionTokens,
      costMicro: total.costMicro + g.costMicro,
      creditsMicro: total.creditsMicro + g.creditsMicro,
      byokCalls: total.byokCalls + g.byokCalls,
      byokCostMicro: total.byokCostMicro + g.byokCostMicro,
      lastUsedAt: latest(total.lastUsedAt, g.lastUsedAt),
    }),
    EMPTY_SUMS,
  );
}

/** A part of a whole as a number from 0 to 1 with six decimals; null when the whole is zero. */
export function share(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((part / whole) * 1e6) / 1e6 : null;
}

function latest(a: Date | null, b: Date | null): Date | null {
  if (a === null) return b;
  if (b === null) return a;
  return a.getTime() >= b.getTime() ? a : b;
}

/** CSV columns of a usage group, in order, after the group's own column. */
export const METRIC_COLUMNS = [
  'calls',
  'errors',
  'prompt_tokens',
  'completion_tokens',
  'byok_calls',
  'cost_micro',
  'cost_usd',
  'credits_charged_micro',
  'credits_charged',
  'credits_saved_micro',
  'credits_saved',
  'last_used_at',
] as const satisfies ReadonlyArray<keyof UsageMetrics>;

/** A grouped report's groups and totals, as every grouped usage answer (a user's, an org's) shows them. */
export function groupsWithTotals(groups: ReadonlyArray<UsageSums & { key: string }>): { groups: Array<UsageMetrics & { key: string }>; totals: UsageMetrics } {
  return { groups: groups.map((g) => ({ key: g.key, ...toMetrics(g) })), totals: toMetrics(addSums(groups)) };
}
