import { AggregationType, type ViewOptions } from '@opentelemetry/sdk-metrics';

/**
 * Instrumentation metrics nobody reads here, dropped at the source: with a DROP view the SDK keeps
 * no storage for them, so the record call made on every query or outgoing call costs next to
 * nothing, and no series reach Prometheus. Kept: `http.server.request.duration` (request rate and
 * latency by route and status on the dashboard) and everything on the `byok-gateway` meter. The
 * proxy's upstream timings are `gateway.proxy.*`, which carry the provider.
 */
const DROPPED = ['db.client.operation.duration', 'db.client.connection.*', 'http.client.request.duration'] as const;

export function metricViews(): ViewOptions[] {
  return DROPPED.map((instrumentName) => ({ instrumentName, aggregation: { type: AggregationType.DROP } }));
}
