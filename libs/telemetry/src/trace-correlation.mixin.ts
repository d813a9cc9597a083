import { isSpanContextValid, trace } from '@opentelemetry/api';

/** The fields a log line gets when a span is active. */
export interface TraceCorrelationFields {
  trace_id?: string;
  span_id?: string;
}

/**
 * pino `mixin`: adds the active span's `trace_id` and `span_id` so logs and traces join up.
 * Without an SDK, `getActiveSpan()` is a no-op lookup that returns undefined, so this costs next
 * to nothing. It returns a fresh object every time because pino's default merge strategy
 * `Object.assign`s the log fields onto it.
 */
export function traceCorrelationMixin(): TraceCorrelationFields {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (spanContext === undefined || !isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}
