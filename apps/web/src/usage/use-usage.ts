import { useCallback, useEffect, useState } from 'react';
import type { DayRange } from '../api/byok-api.js';
import { messageOf } from '../api/http.js';
import type { CreditsView, KeyUsageReport, UserUsageReport } from '../api/types.js';
import { useApp } from '../app/app-context.js';
import { busiest } from './usage-series.js';

/** One provider's or model's daily series. */
export interface SplitSeries {
  key: string;
  byDay: UserUsageReport;
}

export interface UsageData {
  byDay: UserUsageReport;
  byProvider: UserUsageReport;
  byModel: UserUsageReport;
  /** Every provider with traffic in the range, day by day. */
  providerSeries: SplitSeries[];
  /** The busiest models of the range (at most TOP_MODELS), day by day. */
  modelSeries: SplitSeries[];
  /**
   * Per provider the user holds keys for now: what those keys paid for, day by day (the API
   * counts every key of the provider together), with how many keys that is.
   */
  keyReports: Array<KeyUsageReport & { keyCount: number }>;
  /** Null when the balance could not be read (shown as unavailable, not as an error page). */
  credits: CreditsView | null;
}

/** Lines a chart split by model draws at most; the tables list every model. */
export const TOP_MODELS = 5;

/**
 * Everything the usage view shows for one range, fetched in parallel: the groupings, then the
 * daily series of each key, each provider and the busiest models.
 */
export function useUsage(range: DayRange) {
  const { api } = useApp();
  const [data, setData] = useState<UsageData | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    setError(null);
    try {
      const [byDay, byProvider, byModel, keys, credits] = await Promise.all([
        api.usage('day', range),
        api.usage('provider', range),
        api.usage('model', range),
        api.keys(),
        api.credits().catch(() => null),
      ]);
      const daily = (filter: { provider: string } | { model: string }, key: string) => api.usage('day', range, filter).then((report) => ({ key, byDay: report }));
      const [keyReports, providerSeries, modelSeries] = await Promise.all([
        Promise.all(oneKeyPerProvider(keys).map(({ key, keyCount }) => api.keyUsage(key, range).then((report) => ({ ...report, keyCount }), () => null))),
        Promise.all(byProvider.groups.map((g) => daily({ provider: g.key }, g.key))),
        Promise.all(busiest(byModel.groups, TOP_MODELS).map((model) => daily({ model }, model))),
      ]);
      setData({ byDay, byProvider, byModel, credits, providerSeries, modelSeries, keyReports: keyReports.filter((r) => r !== null) });
    } catch (err) {
      setError(messageOf(err));
    }
  }, [api, range]);

  useEffect(() => {
    void load();
  }, [load]);

  return { data, error, reload: load };
}

/** One key held per provider (its label addresses the provider's usage) and how many keys the provider has. */
function oneKeyPerProvider<K extends { provider: string; label: string }>(keys: readonly K[]): Array<{ key: K; keyCount: number }> {
  const seen = new Map<string, { key: K; keyCount: number }>();
  for (const key of keys) {
    const entry = seen.get(key.provider);
    if (entry) entry.keyCount += 1;
    else seen.set(key.provider, { key, keyCount: 1 });
  }
  return [...seen.values()];
}
