import { type Context, context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

/** A caller's trace context, captured where it asked for work that will be done later, for others too. */
export type TraceContext = Context;

/** The trace context active now. */
export function captureTraceContext(): TraceContext {
  return context.active();
}

const TRACER_NAME = 'byok-group-commit';

const isRecorded = (ctx: TraceContext): boolean => trace.getSpan(ctx)?.isRecording() === true;

/**
 * Runs one statement that serves many callers (a group commit) so that each caller's trace shows
 * it: a span `name` under the first recorded caller holds the statement's own spans, and every other
 * recorded caller gets a span of the same name and timing with a link to it. Without this the
 * statement's span would sit under whichever caller's context happened to start the batch, possibly
 * one from an earlier batch, and the others would show no database step at all. When no caller is
 * recorded the statement runs outside any trace, so instrumented clients make no span for it.
 */
export async function runSharedStatement<T>(name: string, callers: readonly TraceContext[], run: () => Promise<T>): Promise<T> {
  const recorded = callers.filter(isRecorded);
  const [lead, ...others] = recorded;
  if (lead === undefined) return context.with(ROOT_CONTEXT, run);
  const tracer = trace.getTracer(TRACER_NAME);
  const attributes = { 'db.operation.batch.size': callers.length };
  const span = tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes }, lead);
  const startTime = performance.timeOrigin + performance.now();
  let failure: { code: SpanStatusCode; message: string } | undefined;
  try {
    return await context.with(trace.setSpan(lead, span), run);
  } catch (error) {
    // The error's name only: a driver message may quote the statement's values.
    failure = { code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' };
    throw error;
  } finally {
    const endTime = performance.timeOrigin + performance.now();
    for (const shared of [span, ...others.map((caller) => tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes, startTime, links: [{ context: span.spanContext() }] }, caller))]) {
      if (failure !== undefined) shared.setStatus(failure);
      shared.end(endTime);
    }
  }
}
