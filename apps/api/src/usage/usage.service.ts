import { findUserKey, readKeyUsage, sumUsageByGroup, type EntityManager, type KeyUsage, type UsageCredentialFilter, type UsageGrouping } from '@byok/db';
import { notFound } from '@byok/http';
import type { ProviderId } from '@byok/providers';
import { parseProvider } from '../http/provider-param.js';
import { keyName, labelOrDefault } from '../keys/key-label.js';
import { resolveDayRange, type DayRange } from './usage-range.js';
import { addSums, EMPTY_SUMS, groupsWithTotals, share, toMetrics } from './usage-view.js';
import type { KeyUsageReport, PlatformUsageReport, UserUsageReport } from './usage.schemas.js';

export interface UsageServiceDependencies {
  /** The clock that decides "today" for default ranges (injected so tests can pin it). */
  now: () => Date;
}

export type UsageService = ReturnType<typeof createUsageService>;

type RangeInput = { from?: string; to?: string };

/** Narrows a report to one provider's or one model's traffic. */
export interface UsageFilter {
  provider?: string;
  model?: string;
}

/**
 * Usage reports over `usage_daily`. Callers pass the user whose usage is read; deciding who may
 * read whom is the route's job, so this service never widens a scope on its own.
 */
export function createUsageService(deps: UsageServiceDependencies) {
  return {
    /** Traffic paid by the user's own key for one provider; 404 when the user has no such key. */
    /** The provider's usage over all the user's keys; 404 unless the key labelled `label` (`default` when absent) exists. */
    async keyUsage(em: EntityManager, userId: string, providerParam: string, rangeInput: RangeInput, labelParam?: string): Promise<KeyUsageReport> {
      const provider = parseProvider(providerParam);
      const label = labelOrDefault(labelParam);
      const range = resolveDayRange(rangeInput, deps.now());
      if (!(await findUserKey(em, userId, provider, label))) throw notFound(keyName(provider, label));
      const usage = await readKeyUsage(em, { userId, provider, fromDay: range.from, toDay: range.to, credential: keyCredential(provider) });
      if (!usage.hasKey) throw notFound(`Your ${provider} key`);
      return toKeyUsageReport(provider, range, usage);
    },

    /** All of one user's traffic (or one provider's or model's), grouped by one dimension, with totals. */
    async userUsage(em: EntityManager, userId: string, groupBy: UsageGrouping, rangeInput: RangeInput, filter: UsageFilter = {}): Promise<UserUsageReport> {
      const range = resolveDayRange(rangeInput, deps.now());
      const groups = await sumUsageByGroup(em, { userId, fromDay: range.from, toDay: range.to, credential: { kind: 'any' }, ...filter }, groupBy);
      return {
        user_id: userId,
        from: range.from,
        to: range.to,
        group_by: groupBy,
        ...filter,
        ...groupsWithTotals(groups),
      };
    },

    /** Platform-wide traffic per provider, with the BYOK share of requests and of cost. */
    async platformUsage(em: EntityManager, rangeInput: RangeInput): Promise<PlatformUsageReport> {
      const range = resolveDayRange(rangeInput, deps.now());
      const groups = await sumUsageByGroup(em, { userId: null, fromDay: range.from, toDay: range.to, credential: { kind: 'any' } }, 'provider');
      const withShares = (sums: typeof EMPTY_SUMS) => ({
        ...toMetrics(sums),
        byok_call_share: share(sums.byokCalls, sums.calls),
        byok_cost_share: share(sums.byokCostMicro, sums.costMicro),
      });
      return {
        from: range.from,
        to: range.to,
        providers: groups.map((g) => ({ provider: g.key, ...withShares(g) })),
        totals: withShares(addSums(groups)),
      };
    },
  };
}

/** A key's usage as the API reports it: totals, per model, and a dense daily series over the range. */
export function toKeyUsageReport(provider: ProviderId, range: DayRange, usage: Omit<KeyUsage, 'hasKey'>): KeyUsageReport {
  const daySums = new Map(usage.byDay.map((d) => [d.key, d]));
  return {
    provider,
    from: range.from,
    to: range.to,
    last_used_at: usage.lastUsedAt ? usage.lastUsedAt.toISOString() : null,
    totals: toMetrics(addSums(usage.byModel)),
    by_model: usage.byModel.map((g) => ({ model: g.key, ...toMetrics(g) })),
    by_day: range.days.map((day) => ({ day, ...toMetrics(daySums.get(day) ?? EMPTY_SUMS) })),
  };
}

/**
 * Which rows a user's key for `provider` paid for. An OpenRouter key serves any model through
 * OpenRouter (`user_openrouter`); any other provider's key serves that provider directly.
 */
function keyCredential(provider: ProviderId): UsageCredentialFilter {
  return provider === 'openrouter' ? { kind: 'user_openrouter' } : { kind: 'user_provider', provider };
}
