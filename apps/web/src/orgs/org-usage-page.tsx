import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { messageOf } from '../api/http.js';
import { providerName } from '../api/provider-names.js';
import { useDocumentTitle } from '../app/router.js';
import { EmptyState, ErrorNotice, Loading } from '../ui/feedback.js';
import { type CsvChoice, CsvExport } from '../usage/csv-export.js';
import { DailyCharts } from '../usage/daily-charts.js';
import { type RangeDays, RangeSelect } from '../usage/range-select.js';
import { byDay, lastDays } from '../usage/usage-series.js';
import { UsageSummary } from '../usage/usage-summary.js';
import { UsageTable } from '../usage/usage-table.js';
import { canManageOrg } from './can-manage-org.js';
import type { OrgUsageGrouping, OrgUsageReport, OrgView } from './org-types.js';
import { useOrgs } from './orgs-context.js';

const GROUPINGS: ReadonlyArray<CsvChoice<OrgUsageGrouping>> = [
  { groupBy: 'member', label: 'By member' },
  { groupBy: 'provider', label: 'By provider' },
  { groupBy: 'model', label: 'By model' },
  { groupBy: 'day', label: 'By day' },
];

type OrgUsage = Readonly<Record<OrgUsageGrouping, OrgUsageReport>>;

/**
 * Requests made for the org over a range, by member, provider, model and day, with CSV. The API
 * answers owners and admins with every member's rows and a plain member with their own only.
 */
export function OrgUsagePage({ org }: { org: OrgView }) {
  useDocumentTitle(`${org.name} usage`);
  const { api } = useOrgs();
  const [days, setDays] = useState<RangeDays>(30);
  const range = useMemo(() => lastDays(days), [days]);
  const [usage, setUsage] = useState<OrgUsage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const latest = useRef(0);
  // Until the answer says whose rows it holds, the caller's role tells.
  const everyone = usage ? usage.day.scope === 'organization' : canManageOrg(org.role);

  const load = useCallback(async () => {
    // An answer for a range no longer shown (the select changed meanwhile) is dropped.
    const request = ++latest.current;
    setError(null);
    try {
      const reports = await Promise.all(GROUPINGS.map(({ groupBy }) => api.usage(org.id, groupBy, range).then((report) => [groupBy, report] as const)));
      if (request === latest.current) setUsage(Object.fromEntries(reports) as Record<OrgUsageGrouping, OrgUsageReport>);
    } catch (err) {
      if (request === latest.current) setError(messageOf(err));
    }
  }, [api, org.id, range]);

  useEffect(() => {
    void load();
  }, [load]);

  const series = useMemo(() => (usage ? [{ label: 'All requests', values: byDay(usage.day.groups, (g) => g.key) }] : []), [usage]);

  return (
    <section aria-labelledby="org-usage-title">
      <div className="page-head">
        <div>
          <h1 id="org-usage-title">Usage of {org.name}</h1>
          <p className="muted">
            {everyone ? 'Every member’s requests' : 'Your own requests'} for {org.name}, on its keys, members’ own keys or platform credits. Days are UTC.
          </p>
        </div>
        <RangeSelect days={days} onChange={setDays} />
      </div>
      {error ? <ErrorNotice message={error} onRetry={() => void load()} /> : null}
      {!usage && !error ? <Loading label="Loading usage…" /> : null}
      {usage ? (
        <>
          <UsageSummary totals={usage.day.totals} keysLabel="BYOK keys" />
          {usage.day.totals.calls === 0 ? (
            <EmptyState title="No requests in this range">
              <p>Requests count here when they act for {org.name}: with the header x-byok-org or a gateway token created for it.</p>
            </EmptyState>
          ) : (
            <>
              <DailyCharts from={usage.day.from} to={usage.day.to} days={days} series={series} />
              {everyone ? <UsageTable caption="By member" keyLabel="Member" rows={usage.member.groups} byokLabel="On BYOK keys" /> : null}
              <UsageTable caption="By provider" keyLabel="Provider" rows={usage.provider.groups} nameOf={providerName} byokLabel="On BYOK keys" />
              <UsageTable caption="By model" keyLabel="Model" rows={usage.model.groups} byokLabel="On BYOK keys" />
            </>
          )}
        </>
      ) : null}
      <CsvExport choices={GROUPINGS} pathOf={(groupBy) => api.usageCsvPath(org.id, groupBy, range)} />
    </section>
  );
}
