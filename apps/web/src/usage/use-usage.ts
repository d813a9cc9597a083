import { useCallback, useEffect, useState } from 'react';
import type { DayRange } from '../api/byok-api.js';
import { messageOf } from '../api/http.js';
import type { CreditsView, KeyUsageReport, UserUsageReport } from '../api/types.js';
import { useApp } from '../app/app-context.js';

export interface UsageData {
  byDay: UserUsageReport;
  byProvider: UserUsageReport;
  byModel: UserUsageReport;
  /** Per key the user holds now: what that key paid for, day by day. */
  keyReports: KeyUsageReport[];
  /** Null when the balance could not be read (shown as unavailable, not as an error page). */
  credits: CreditsView | null;
}

/** Everything the usage view shows for one range, fetched in parallel. */
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
      const keyReports = await Promise.all(keys.map((k) => api.keyUsage(k.provider, range).catch(() => null)));
      setData({ byDay, byProvider, byModel, credits, keyReports: keyReports.filter((r): r is KeyUsageReport => r !== null) });
    } catch (err) {
      setError(messageOf(err));
    }
  }, [api, range]);

  useEffect(() => {
    void load();
  }, [load]);

  return { data, error, reload: load };
}
