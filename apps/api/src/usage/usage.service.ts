import { findUserKey, type ProviderKey, readKeyUsage, readUsageOfKey, sumUsageByGroup, type EntityManager, type KeyUsage, type UsageCredentialFilter, type UsageGrouping } from '@byok/db';
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
    /**
     * The provider's usage over all the user's own keys for it, and in `key` what the key labelled
     * `label` (`default` when absent) answered alone; 404 unless that key exists.
     */
    async keyUsage(em: EntityManager, userId: string, providerParam: string, rangeInput: RangeInput, labelParam?: string): Promise<KeyUsageReport> {
      const provider = parseProvider(providerParam);
      const label = labelOrDefault(labelParam);
      const range = resolveDayRange(rangeInput, deps.now());
      const key = await findUserKey(em, userId, provider, label);
      if (!key) throw notFound(keyName(provider, label));
      const usage = await readKeyUsage(em, { userId, provider, fromDay: range.from, toDay: range.to, credential: keyCredential(provider) });
      if (!usage.hasKey) throw notFound(`Your ${provider} key`);
      return toKeyUsageReport(provider, range, usage, await keyFigures(em, key, range));
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

/** One key's own figures over the range (`usage_key_daily`), for the report's `key`. */
export async function keyFigures(em: EntityManager, key: Pick<ProviderKey, 'id' | 'label'>, range: DayRange): Promise<KeyReportFigures> {
  return { id: key.id, label: key.label, usage: await readUsageOfKey(em, { keyId: key.id, fromDay: range.from, toDay: range.to }) };
}

/** One key's figures, beside the provider's. */
export interface KeyReportFigures {
  id: string;
  label: string;
  usage: Omit<KeyUsage, 'hasKey'>;
}

/**
 * A key usage report: the provider's traffic over all the owner's keys for it (totals, per model,
 * and a dense daily series over the range), and the same for the one key alone in `key`.
 */
export function toKeyUsageReport(provider: ProviderId, range: DayRange, usage: Omit<KeyUsage, 'hasKey'>, key: KeyReportFigures): KeyUsageReport {
  return { provider, from: range.from, to: range.to, ...figures(range, usage), key: { id: key.id, label: key.label, ...figures(range, key.usage) } };
}

function figures(range: DayRange, usage: Omit<KeyUsage, 'hasKey'>) {
  const daySums = new Map(usage.byDay.map((d) => [d.key, d]));
  return {
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
