import type { IncomingMessage } from 'node:http';
import FastifyOtel from '@fastify/otel';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { redisStatement } from './redis-statement.js';
import { obfuscateSql } from './sql-obfuscation.js';

/** The attribute instrumentation-pg 0.76 writes the statement to (stable database conventions). */
const DB_QUERY_TEXT = 'db.query.text';

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
 *   (`registerOnInitialization`), so the app code needs no plugin registration, and names the
 *   HTTP span and metric by route. Its per-hook and handler spans are off: every span costs CPU on
 *   every request (see bench/TRACING-NOTES.md), and these only repeat the request span's timing.
 *   The handler's own work (queries, calls) still nests under the request through the HTTP
 *   span's context. A route can turn them on with `config: { otel: { instrumentHooks: true, instrumentHandler: true } }`.
 * - ioredis and pg: only inside a trace (`requireParentSpan`), so pool keep-alives, health probes
 *   and BullMQ's blocking polls do not each start a trace. Statements keep their shape but not
 *   their data: pg literals are masked (`obfuscateSql`), Redis shows command and keys only
 *   (`redisStatement`).
 */
export function createInstrumentations(): Instrumentation[] {
  return [
    new HttpInstrumentation({ ignoreIncomingRequestHook: isProbe, requireParentforOutgoingSpans: true }),
    new UndiciInstrumentation({ requireParentforSpans: true }),
    new FastifyOtel.FastifyOtelInstrumentation({ registerOnInitialization: true, instrumentHooks: false, instrumentHandler: false }),
    new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: redisStatement }),
    new PgInstrumentation({
      requireParentSpan: true,
      enhancedDatabaseReporting: false,
      // Called for unsampled queries too; masking is only worth its regex when the span is kept.
      requestHook: (span, { query }) => {
        if (query.text !== undefined && span.isRecording()) span.setAttribute(DB_QUERY_TEXT, obfuscateSql(query.text));
      },
    }),
  ];
}
