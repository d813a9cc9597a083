import { context, createNoopMeter, type MeterProvider, trace } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { FastifyRouteInstrumentation } from './fastify-route-instrumentation.js';
import { HttpServerInstrumentation } from './http-server-instrumentation.js';
import { redisStatement } from './redis-statement.js';
import { obfuscateSql } from './sql-obfuscation.js';

/** The attribute instrumentation-pg 0.76 writes the statement to (stable database conventions). */
const DB_QUERY_TEXT = 'db.query.text';

/**
 * An outgoing call is traced only inside a span that is being recorded. `requireParentforSpans`
 * alone still parses the URL and the headers, builds the attributes and injects a `traceparent`
 * for calls made under an unsampled request (a non-recording parent is a valid parent), which at
 * 10 % sampling is 9 calls in 10 for nothing: nothing downstream of an undici call joins our
 * traces (the calls go to LLM providers). A call made with tracing suppressed (the proxy's
 * upstream call, which has a span of its own) is skipped for the same reason.
 */
export function outsideRecordedSpan(): boolean {
  const active = context.active();
  return isTracingSuppressed(active) || trace.getSpan(active)?.isRecording() !== true;
}

/**
 * The five instrumentations this stack needs (the auto-instrumentations bundle would add over two
 * hundred packages for the same result):
 * - HTTP server (`HttpServerInstrumentation`, ours): server spans named `METHOD /route` (the route
 *   comes from the Fastify one) and the `http.server.request.duration` metric, at a fraction of
 *   @opentelemetry/instrumentation-http's cost per request. Outgoing calls all go through undici;
 *   nothing here uses the `node:http` client, so it is not instrumented.
 * - undici: the provider calls (validation and chat), only inside a recorded span.
 * - Fastify (`FastifyRouteInstrumentation`): attaches itself to every Fastify instance at
 *   creation, so the app code registers nothing, names the HTTP span and metric by route and
 *   records handler exceptions on the server span. It makes no span of its own: a per-request or
 *   per-hook span only repeats the server span's timing and costs CPU on every request (see
 *   bench/TRACING-NOTES.md). The handler's own work (queries, calls) nests under the server span.
 * - ioredis and pg: only inside a trace (`requireParentSpan`), so pool keep-alives, health probes
 *   and BullMQ's blocking polls do not each start a trace. Statements keep their shape but not
 *   their data: pg literals are masked (`obfuscateSql`), Redis shows command and keys only
 *   (`redisStatement`).
 */
export function createInstrumentations(): Instrumentation[] {
  return [
    new HttpServerInstrumentation(),
    new UndiciInstrumentation({ requireParentforSpans: true, ignoreRequestHook: outsideRecordedSpan }),
    new FastifyRouteInstrumentation(),
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

/** Hands out meters whose instruments record nothing and keep nothing. */
const NOOP_METER_PROVIDER: MeterProvider = { getMeter: () => createNoopMeter() };

/**
 * Gives undici and pg a no-op meter, after NodeSDK handed every instrumentation the real one:
 * nothing reads their metrics (`http.client.request.duration`, `db.client.*`). A DROP view alone
 * is not enough, because the SDK still hashes each record's attribute set before the view
 * discards it; in the proxy's profile that hashing for the undici histogram alone was ~9 µs per
 * request.
 */
export function muteUnreadInstrumentationMetrics(instrumentations: readonly Instrumentation[]): void {
  for (const instrumentation of instrumentations) {
    if (instrumentation instanceof UndiciInstrumentation || instrumentation instanceof PgInstrumentation) instrumentation.setMeterProvider(NOOP_METER_PROVIDER);
  }
}
