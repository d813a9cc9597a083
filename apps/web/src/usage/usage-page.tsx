import { useId, useMemo, useState } from 'react';
import { providerName } from '../api/provider-names.js';
import type { UsageGrouping } from '../api/types.js';
import { useApp } from '../app/app-context.js';
import { useDocumentTitle } from '../app/router.js';
import { EmptyState, ErrorNotice, Loading } from '../ui/feedback.js';
import { type CsvChoice, CsvExport } from './csv-export.js';
import { DailyCharts } from './daily-charts.js';
import { type RangeDays, RangeSelect } from './range-select.js';
import { byDay, lastDays, type NamedSeries, type SeriesSplit } from './usage-series.js';
import { UsageSummary } from './usage-summary.js';
import { UsageTable } from './usage-table.js';
import { TOP_MODELS, type UsageData, useUsage } from './use-usage.js';

const EXPORTS: ReadonlyArray<CsvChoice<UsageGrouping>> = [
  { groupBy: 'day', label: 'By day' },
  { groupBy: 'provider', label: 'By provider' },
  { groupBy: 'model', label: 'By model' },
];
const SPLITS: ReadonlyArray<{ value: SeriesSplit; label: string }> = [
  { value: 'keys', label: 'Your keys' },
  { value: 'provider', label: 'Provider' },
  { value: 'model', label: `Model (top ${TOP_MODELS})` },
];

/** Usage over a range: totals and savings, a chart per metric, tables per provider and model, CSV. */
export function UsagePage() {
  useDocumentTitle('Usage');
  const { api } = useApp();
  const [days, setDays] = useState<RangeDays>(30);
  const range = useMemo(() => lastDays(days), [days]);
  const { data, error, reload } = useUsage(range);

  return (
    <section aria-labelledby="usage-title">
      <div className="page-head">
        <div>
          <h1 id="usage-title">Usage</h1>
          <p className="muted">Requests through the gateway, what they cost at provider prices, and what your own keys saved you in credits. Days are UTC.</p>
        </div>
        <RangeSelect days={days} onChange={setDays} />
      </div>
      {error ? <ErrorNotice message={error} onRetry={() => void reload()} /> : null}
      {!data && !error ? <Loading label="Loading usage…" /> : null}
      {data ? <UsageBody data={data} days={days} /> : null}
      <CsvExport choices={EXPORTS} pathOf={(groupBy) => api.usageCsvPath(groupBy, range)} />
    </section>
  );
}

/** The chart lines for a split: all requests and each key, each provider, or each busy model. */
function seriesFor(data: UsageData, split: SeriesSplit): NamedSeries[] {
  if (split === 'provider') return data.providerSeries.map((s) => ({ label: providerName(s.key), values: byDay(s.byDay.groups, (g) => g.key) }));
  if (split === 'model') return data.modelSeries.map((s) => ({ label: s.key, values: byDay(s.byDay.groups, (g) => g.key) }));
  return [
    { label: 'All requests', values: byDay(data.byDay.groups, (g) => g.key) },
    ...data.keyReports.map((r) => ({ label: `Your ${providerName(r.provider)} key${r.keyCount > 1 ? 's' : ''}`, values: byDay(r.by_day, (d) => d.day) })),
  ];
}

function UsageBody({ data, days }: { data: UsageData; days: number }) {
  const [split, setSplit] = useState<SeriesSplit>('keys');
  const splitId = useId();
  const series = useMemo(() => seriesFor(data, split), [data, split]);

  if (data.byDay.totals.calls === 0) {
    return (
      <>
        <UsageSummary totals={data.byDay.totals} credits={data.credits} />
        <EmptyState title="No requests in this range">
          <p>Create a gateway token under Tokens and point an OpenAI-compatible client at this gateway; its requests show up here within seconds.</p>
        </EmptyState>
      </>
    );
  }

  return (
    <>
      <UsageSummary totals={data.byDay.totals} credits={data.credits} />
      <div className="field field-inline">
        <label htmlFor={splitId}>Lines</label>
        <select id={splitId} value={split} onChange={(e) => setSplit(e.target.value as SeriesSplit)}>
          {SPLITS.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </select>
      </div>
      <DailyCharts from={data.byDay.from} to={data.byDay.to} days={days} series={series} />
      <UsageTable caption="By provider" keyLabel="Provider" rows={data.byProvider.groups} nameOf={providerName} />
      <UsageTable caption="By model" keyLabel="Model" rows={data.byModel.groups} />
    </>
  );
}
