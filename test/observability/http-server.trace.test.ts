/**
 * The HTTP server instrumentation (libs/telemetry/src/sdk/http-server-instrumentation.ts) and its
 * Fastify hooks, on a small Fastify app under the SDK as entry points start it: span names and
 * attributes, an incoming `traceparent`, the handler's context after the body was read, probes,
 * errors, a client that leaves early, the duration metric and the request's log lines.
 */
import { Writable } from 'node:stream';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelemetry } from '../../libs/telemetry/src/sdk/start-telemetry.js';
import { TestMetricReader, withAttributes } from './support/metric-reader.js';
import { eventually, idOf } from './support/span-tree.js';

const exporter = new InMemorySpanExporter();
const reader = new TestMetricReader();
const telemetry = startTelemetry({ serviceName: 'http-server-test', spanExporter: exporter, simpleSpanProcessor: true, metricReaders: [reader] });
const { default: Fastify } = await import('fastify');
const { createLogger } = await import('../../libs/telemetry/src/logger.js');

const logLines: Record<string, unknown>[] = [];
const logSink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString().split('\n')) if (line.trim() !== '') logLines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  },
});

const app = Fastify({ loggerInstance: createLogger({ level: 'info', name: 'http-server-test', destination: logSink }) });
const tracer = trace.getTracer('http-server-test');
app.post('/items/:id', async (request) => {
  // A span started by the handler, after Node read the body outside the request's context.
  tracer.startSpan('handler work').end();
  return { id: (request.params as { id: string }).id, body: request.body };
});
app.get('/fails', async () => {
  throw new Error('handler broke');
});
app.get('/slow', async (_request, reply) => {
  reply.raw.writeHead(200, { 'content-type': 'text/plain' });
  reply.raw.write('partial');
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  reply.raw.end();
  return reply;
});
app.get('/healthz', async () => ({ ok: true }));

let origin: string;
const serverSpans = () => exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER);
const spanFor = (path: string) => eventually(() => serverSpans().find((s) => s.attributes['url.path'] === path), `the server span of ${path}`);

beforeAll(async () => {
  origin = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app.close();
  await telemetry.shutdown();
});

describe('HTTP server spans', () => {
  let posted: ReadableSpan;

  beforeAll(async () => {
    const res = await fetch(`${origin}/items/42?token=not-for-spans`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'span-test' }, body: JSON.stringify({ a: 1 }) });
    expect(res.status).toBe(200);
    posted = await spanFor('/items/42');
  });

  it('names the span by route and records the request without its query string', () => {
    expect(posted.name).toBe('POST /items/:id');
    expect(posted.parentSpanContext).toBeUndefined();
    expect(posted.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/items/:id',
      'http.response.status_code': 200,
      'url.path': '/items/42',
      'url.scheme': 'http',
      'user_agent.original': 'span-test',
    });
    expect(JSON.stringify(posted.attributes)).not.toContain('not-for-spans');
  });

  it('runs the handler in the server span, after a body that arrived in parts was read', async () => {
    // The second part arrives in a later socket read, which Node handles outside the request's
    // context; Fastify's body parser carries the context across (an AsyncResource), and this holds it to that.
    const parts = ['{"a":', '1}'];
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const part = parts.shift();
        if (part === undefined) return controller.close();
        controller.enqueue(new TextEncoder().encode(part));
        await new Promise((resolve) => setTimeout(resolve, 50));
      },
    });
    const res = await fetch(`${origin}/items/parts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' } as RequestInit);
    expect(await res.json()).toEqual({ id: 'parts', body: { a: 1 } });
    const server = await spanFor('/items/parts');
    const work = await eventually(() => exporter.getFinishedSpans().find((s) => s.name === 'handler work' && s.spanContext().traceId === server.spanContext().traceId), 'the handler span');
    expect(work.parentSpanContext?.spanId).toBe(idOf(server));
  });

  it("continues the caller's trace from its traceparent", async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const parentId = 'b7ad6b7169203331';
    await fetch(`${origin}/items/7`, { method: 'POST', headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${parentId}-01` }, body: '{}' });
    const span = await spanFor('/items/7');
    expect(span.spanContext().traceId).toBe(traceId);
    expect(span.parentSpanContext?.spanId).toBe(parentId);
  });

  it('marks a handler error on the span: exception event and error status', async () => {
    expect((await fetch(`${origin}/fails`)).status).toBe(500);
    const span = await spanFor('/fails');
    expect(span.name).toBe('GET /fails');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.events.some((e) => e.name === 'exception' && e.attributes?.['exception.message'] === 'handler broke')).toBe(true);
  });

  it('names an unrouted request by its method alone', async () => {
    expect((await fetch(`${origin}/nowhere/123`)).status).toBe(404);
    const span = await spanFor('/nowhere/123');
    expect(span.name).toBe('GET');
    expect(span.attributes['http.route']).toBeUndefined();
    expect(span.attributes['http.response.status_code']).toBe(404);
  });

  it('ends the span of a request whose client left before the response ended, marked incomplete', async () => {
    const controller = new AbortController();
    const res = await fetch(`${origin}/slow`, { signal: controller.signal });
    expect(res.status).toBe(200);
    controller.abort();
    const span = await spanFor('/slow');
    expect(span.attributes['http.response.incomplete']).toBe(true);
  });

  it('does not trace health probes', async () => {
    expect((await fetch(`${origin}/healthz`)).status).toBe(200);
    await fetch(`${origin}/items/1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    await spanFor('/items/1');
    expect(serverSpans().some((s) => s.attributes['url.path'] === '/healthz')).toBe(false);
  });

  it('records http.server.request.duration by route, method and status', async () => {
    const points = withAttributes(await reader.points('http.server.request.duration'), { 'http.route': '/items/:id', 'http.request.method': 'POST', 'http.response.status_code': 200 });
    expect(points.reduce((sum, p) => sum + (p.value as { count: number }).count, 0)).toBeGreaterThanOrEqual(3);
    expect(withAttributes(await reader.points('http.server.request.duration'), { 'http.route': '/healthz' })).toEqual([]);
  });

  it("puts the request's trace and span ids on its log lines, the ones written after the response included", () => {
    const { traceId, spanId } = posted.spanContext();
    const lines = logLines.filter((l) => l.trace_id === traceId);
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['incoming request', 'request completed']));
    for (const line of lines) expect(line.span_id).toBe(spanId);
  });
});
