import type { DayRange } from '../api/byok-api.js';
import type { UsageMetrics } from '../api/types.js';

export type Metric = 'calls' | 'tokens' | 'cost';

export const METRIC_LABELS: Readonly<Record<Metric, string>> = { calls: 'Calls', tokens: 'Tokens', cost: 'Cost (USD)' };

export function metricValue(row: UsageMetrics, metric: Metric): number {
  if (metric === 'calls') return row.calls;
  if (metric === 'tokens') return row.prompt_tokens + row.completion_tokens;
  return row.cost_micro / 1_000_000;
}

const DAY_MS = 86_400_000;

/** The last `days` whole UTC days, ending today, as the API's `from`/`to`. */
export function lastDays(days: number, nowMs = Date.now()): DayRange {
  const to = new Date(nowMs);
  const from = new Date(nowMs - (days - 1) * DAY_MS);
  return { from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10) };
}

/** Every day in the range, oldest first, as `YYYY-MM-DD`. */
export function daysOf(range: DayRange): string[] {
  const out: string[] = [];
  const end = Date.parse(`${range.to}T00:00:00Z`);
  for (let t = Date.parse(`${range.from}T00:00:00Z`); t <= end && out.length < 400; t += DAY_MS) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

export interface NamedSeries {
  label: string;
  values: Map<string, UsageMetrics>;
}

/** uPlot's columnar data: x in epoch seconds (UTC midnight), one column per series, zeros on quiet days. */
export interface ChartData {
  x: number[];
  series: Array<{ label: string; values: number[] }>;
}

export function toChartData(days: string[], series: NamedSeries[], metric: Metric): ChartData {
  return {
    x: days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000),
    series: series.map((s) => ({
      label: s.label,
      values: days.map((d) => {
        const row = s.values.get(d);
        return row ? metricValue(row, metric) : 0;
      }),
    })),
  };
}

/** Indexes rows by their day field. */
export function byDay<T extends UsageMetrics>(rows: T[], dayOf: (row: T) => string): Map<string, UsageMetrics> {
  return new Map(rows.map((r) => [dayOf(r), r]));
}

/** The keys of the `n` groups with the most calls, busiest first (ties by key, for a stable order). */
export function busiest(groups: ReadonlyArray<UsageMetrics & { key: string }>, n: number): string[] {
  return [...groups]
    .sort((a, b) => b.calls - a.calls || a.key.localeCompare(b.key))
    .slice(0, n)
    .map((g) => g.key);
}

/** What the chart lines stand for: the user's own keys, the providers, or the busiest models. */
export type SeriesSplit = 'keys' | 'provider' | 'model';
