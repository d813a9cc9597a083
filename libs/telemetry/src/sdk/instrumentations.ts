import type { IncomingMessage } from 'node:http';
import FastifyOtel from '@fastify/otel';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';

/** Paths polled by load balancers and Docker health checks: a trace per probe is noise. */
const PROBE_PATHS = new Set(['/healthz', '/readyz']);

function isProbe(request: IncomingMessage): boolean {
  const url = request.url ?? '';
  const query = url.indexOf('?');
  return PROBE_PATHS.has(query === -1 ? url : url.slice(0, query));
}

/**
 * The five instrumentations this stack needs (the auto-instrumentations bundle would add over two
 * hundred packages for the same result):
 * - HTTP: server spans named `METHOD /route` (the route comes from @fastify/otel) and the
 *   `http.server.request.duration` metric; outgoing `node:http` calls only inside a trace.
 * - undici: the provider calls (validation and chat), only inside a trace.
 * - @fastify/otel: attaches itself to every Fastify instance at creation
 *   (`registerOnInitialization`), so the app code needs no plugin registration. Per-hook spans are
 *   off: this app has about six hooks per request, and a span for each would multiply the span
 *   count for little insight. A route can turn them on with `config: { otel: { instrumentHooks: true } }`.
 * - ioredis and pg: only inside a trace (`requireParentSpan`), so pool keep-alives, health probes
 *   and BullMQ's blocking polls do not each start a trace. pg records statements, never values.
 */
export function createInstrumentations(): Instrumentation[] {
  return [
    new HttpInstrumentation({ ignoreIncomingRequestHook: isProbe, requireParentforOutgoingSpans: true }),
    new UndiciInstrumentation({ requireParentforSpans: true }),
    new FastifyOtel.FastifyOtelInstrumentation({ registerOnInitialization: true, instrumentHooks: false }),
    new IORedisInstrumentation({ requireParentSpan: true }),
    new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
  ];
}
