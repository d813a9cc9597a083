import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ChartData } from './usage-series.js';

/** Distinguishable on white and for the common colour-vision deficiencies (Okabe–Ito order). */
const COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#8C6D1F', '#6A3D9A'];

interface UsageChartProps {
  title: string;
  data: ChartData;
  /** Axis and legend numbers, e.g. dollars for cost. */
  format: (value: number) => string;
  /** Read by screen readers instead of the canvas: what the chart shows in words. */
  summary: string;
}

/**
 * One uPlot line chart over days. uPlot draws on a canvas, so the figure carries a text summary
 * and the tables below carry the numbers; the chart follows its container's width.
 */
export function UsageChart({ title, data, format, summary }: UsageChartProps) {
  const container = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const options: uPlot.Options = {
      width: Math.max(240, element.clientWidth),
      height: 220,
      scales: { x: { time: true } },
      series: [
        { label: 'Day', value: (_u, v) => (v === null ? '—' : new Date(v * 1000).toISOString().slice(0, 10)) },
        ...data.series.map((s, i) => ({
          label: s.label,
          stroke: COLORS[i % COLORS.length] ?? '#000',
          width: 2,
          points: { show: data.x.length <= 31 },
          value: (_u: uPlot, v: number | null) => (v === null ? '—' : format(v)),
        })),
      ],
      axes: [{}, { values: (_u, splits) => splits.map(format), size: 64 }],
      legend: { live: true },
    };
    const plot = new uPlot(options, [data.x, ...data.series.map((s) => s.values)], element);
    const observer = new ResizeObserver(() => plot.setSize({ width: Math.max(240, element.clientWidth), height: 220 }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [data, format]);

  return (
    <figure className="chart card">
      <figcaption>{title}</figcaption>
      <div ref={container} className="chart-canvas" role="img" aria-label={summary} data-testid="usage-chart" />
    </figure>
  );
}
