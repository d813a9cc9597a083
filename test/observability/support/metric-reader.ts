import type { Attributes } from '@opentelemetry/api';
import { MetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';

/** A reader that exports nothing and collects on demand, so a test reads exactly what was recorded. */
export class TestMetricReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}

  /** Data points of one instrument, across every meter. */
  async points(name: string): Promise<DataPoint<number | Histogram>[]> {
    const { resourceMetrics } = await this.collect();
    return resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics.filter((m) => m.descriptor.name === name).flatMap((m) => m.dataPoints as DataPoint<number | Histogram>[]));
  }
}

/** The points whose attributes include every entry of `match`. */
export function withAttributes<T extends { attributes: Attributes }>(points: T[], match: Attributes): T[] {
  return points.filter((point) => Object.entries(match).every(([key, value]) => point.attributes[key] === value));
}
