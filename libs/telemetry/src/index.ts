// Public surface of @byok/telemetry. Everything here depends on `@opentelemetry/api` (and pino)
// only; the SDK bootstrap is `src/instrument.ts` (entry points, via `--import`) and
// `src/sdk/start-telemetry.ts` (tests), and is deliberately not re-exported.
export { createLogger, type Logger, type LoggerOptions } from './logger.js';
export { SECRET_MASK, scrubSecrets } from './secret-scrubber.js';
export { traceCorrelationMixin, type TraceCorrelationFields } from './trace-correlation.mixin.js';
export { isTracingEnabled, shutdownTelemetry } from './telemetry-registration.js';
export { queueTelemetry, QUEUE_TRACER_NAME } from './queue-telemetry.js';
export { currentSpanLink, runInBatchSpan, type SpanLink } from './batch-span.js';
export { bindToCurrentTrace } from './bind-to-trace.js';
export { captureTraceContext, runSharedStatement, type TraceContext } from './shared-statement-span.js';
export type { CredentialSource, ProxyOutcome } from './gateway-vocabulary.js';
export { PROXY_SPAN_ATTRIBUTES, PROXY_SPAN_NAME, setProxySpanAttributes, startProxySpan, withoutCallSpan, type ProxySpanFields } from './proxy-span-attributes.js';
export {
  createGatewayMetrics,
  gatewayMeter,
  GATEWAY_METER_NAME,
  type GatewayMetrics,
  type ProxyRequestRecord,
  type UsageRecord,
} from './metrics/gateway-metrics.js';
export { observeQueueDepth, QUEUE_DEPTH_STATES, type CountableQueue } from './metrics/queue-depth.gauge.js';
export { firstAttemptWaitMs, isFinalFailure, recordJobMetrics, type JobEventSource, type JobTiming } from './metrics/job-timing.js';
