import { context } from '@opentelemetry/api';

/**
 * `listener`, bound to the trace context active now. For event listeners Node calls outside that
 * context (a response's `close`, say), so what they log or queue still belongs to the request.
 * Without an SDK it returns `listener` itself.
 */
export function bindToCurrentTrace<F extends (...args: never[]) => unknown>(listener: F): F {
  return context.bind(context.active(), listener);
}
