import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type SpanContext } from '@opentelemetry/api';
import { QUEUE_TRACER_NAME } from './queue-telemetry.js';

/** Where a batch item came from: the span context of its request. */
export type SpanLink = SpanContext;

/**
 * The span context of the active span, to link a batch item to the request it came from;
 * undefined outside a sampled span (and always when no SDK runs, at the cost of one lookup).
 */
export function currentSpanLink(): SpanLink | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext !== undefined && (spanContext.traceFlags & 1) === 1 ? spanContext : undefined;
}

/**
 * Runs the send of a batch in a trace of its own, with a link to each item's request span (the
 * OpenTelemetry convention for batches). Without it the queue's producer span, and so the
 * consumer's whole processing, would hang under whichever request happened to start the batch.
 * The SDK keeps at most its link limit (128 by default) per span.
 */
export async function runInBatchSpan<T>(name: string, batch: { size: number; links: readonly SpanLink[] }, send: () => Promise<T>): Promise<T> {
  if (batch.links.length === 0) return context.with(ROOT_CONTEXT, send);
  const span = trace.getTracer(QUEUE_TRACER_NAME).startSpan(
    name,
    { kind: SpanKind.PRODUCER, root: true, links: batch.links.map((link) => ({ context: link })), attributes: { 'messaging.batch.message_count': batch.size } },
    ROOT_CONTEXT,
  );
  try {
    return await context.with(trace.setSpan(ROOT_CONTEXT, span), send);
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    span.end();
  }
}
