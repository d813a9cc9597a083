import { useMemo } from 'react';
import { formatCompact, formatDollars, formatNumber } from '../ui/format.js';
import { UsageChart } from './usage-chart.js';
import { daysOf, METRIC_LABELS, type Metric, type NamedSeries, toChartData } from './usage-series.js';

const METRICS: Metric[] = ['calls', 'tokens', 'cost'];
const FORMATS: Readonly<Record<Metric, (v: number) => string>> = {
  calls: (v) => formatNumber(Math.round(v)),
  tokens: formatCompact,
  cost: (v) => formatDollars(Math.round(v * 1_000_000)),
};

interface DailyChartsProps {
  /** The range's first and last day (`YYYY-MM-DD`), as the report answered them. */
  from: string;
  to: string;
  /** Its length in days, for the summaries read instead of the canvas. */
  days: number;
  /** The lines; keep the array stable (memoized), each new one redraws the charts. */
  series: NamedSeries[];
}

/** Calls, tokens and cost per day, one chart each, every chart with a text summary of its lines. */
export function DailyCharts({ from, to, days, series }: DailyChartsProps) {
  const charts = useMemo(() => {
    const dayList = daysOf({ from, to });
    return METRICS.map((metric) => ({ metric, data: toChartData(dayList, series, metric) }));
  }, [from, to, series]);

  return (
    <div className="chart-grid">
      {charts.map(({ metric, data: chart }) => (
        <UsageChart
          key={metric}
          title={`${METRIC_LABELS[metric]} per day`}
          data={chart}
          format={FORMATS[metric]}
          summary={`${METRIC_LABELS[metric]} per day over the last ${days} days. ${chart.series
            .map((s) => `${s.label}: ${FORMATS[metric](s.values.reduce((a, b) => a + b, 0))} in total`)
            .join('. ')}.`}
        />
      ))}
    </div>
  );
}
