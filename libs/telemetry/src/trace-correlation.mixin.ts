import { isSpanContextValid, type SpanContext, trace } from '@opentelemetry/api';
import { serverRequestTrace } from './server-request-span.js';

/** The fields a log line gets when a span is active. */
export interface TraceCorrelationFields {
  trace_id?: string;
  span_id?: string;
}

/** The parts of Fastify's request and reply a log call passes (`{ req: request }`, `{ res: reply }`). */
interface RequestLogFields {
  req?: { raw?: unknown };
  res?: { request?: { raw?: unknown } };
}

/**
 * pino `mixin`: adds the active span's `trace_id` and `span_id` so logs and traces join up. A line
 * logged where Node has dropped the context but that names its request (Fastify's `request
 * completed`, written from the response's `finish` event) gets its request's server span. Without
 * an SDK both lookups find nothing, so this costs next to nothing. It returns a fresh object every
 * time because pino's default merge strategy `Object.assign`s the log fields onto it.
 */
export function traceCorrelationMixin(mergeObject: object = {}): TraceCorrelationFields {
  const spanContext = trace.getActiveSpan()?.spanContext() ?? requestSpanContext(mergeObject as RequestLogFields);
  if (spanContext === undefined || !isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

function requestSpanContext(fields: RequestLogFields): SpanContext | undefined {
  const raw = fields.res?.request?.raw ?? fields.req?.raw;
  return raw === undefined ? undefined : serverRequestTrace(raw)?.span.spanContext();
}
