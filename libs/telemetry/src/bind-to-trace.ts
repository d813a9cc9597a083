import { context, trace } from '@opentelemetry/api';

/**
 * `listener`, bound to the trace context active now, when that context's span is being recorded.
 * For event listeners Node calls outside the request's context (a response's `close`, say), so
 * what they log or queue still belongs to the traced request. For a request the sampler dropped
 * (and without an SDK) the listener is returned as it is: a usage event links only to recorded
 * spans, and a log line would only gain ids of a trace that was not kept.
 */
export function bindToCurrentTrace<F extends (...args: never[]) => unknown>(listener: F): F {
  const active = context.active();
  return trace.getSpan(active)?.isRecording() === true ? context.bind(active, listener) : listener;
}
