/**
 * One trace from `POST /keys` through the queue into the worker's provider call and its database
 * writes, with the SDK exactly as entry points start it (instrumentations, sampler, scrubbing
 * exporter), only the OTLP exporter swapped for an in-memory one. The SDK must patch modules before
 * the app loads them, so it starts first and every app module is imported dynamically after it;
 * vitest runs each file in its own fork, so nothing leaks into other files.
 */
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelemetry } from '../../libs/telemetry/src/sdk/start-telemetry.js';
import type { ApiHarness } from '../support/api-harness.js';
import { TestMetricReader, withAttributes } from './support/metric-reader.js';
import { eventually, exportedText, idOf, spanTree, sqlOf, type SpanTree } from './support/span-tree.js';

const exporter = new InMemorySpanExporter();
const reader = new TestMetricReader();
const telemetry = startTelemetry({ serviceName: 'byok-observability-test', spanExporter: exporter, simpleSpanProcessor: true, metricReaders: [reader] });

const { PROVIDER_IDS } = await import('@byok/providers');
const { startWorker } = await import('@byok/worker');
const { fakeKey, startMockProviders } = await import('@byok/mock-providers');
const { startApiHarness } = await import('../support/api-harness.js');

// Cohere keys have no recognisable shape, so no text scrubber can mask one: if this key shows up
// nowhere, it is because nothing put it there.
const KEY = fakeKey('cohere', 'valid', 'observability-trace');
const ROUTE = '/api/v1/llm/byok/keys';

interface Lifecycle {
  h: ApiHarness;
  close(): Promise<void>;
}

describe('a key saved through the API: one trace into the worker', () => {
  let life: Lifecycle;
  let baseUrl: string;
  let mockCohereUrl: string;
  let tree: SpanTree;
  let server: ReadableSpan;
  let keyId: string;

  beforeAll(async () => {
    const mock = await startMockProviders();
    const h = await startApiHarness('otel_trace', {
      env: Object.fromEntries(PROVIDER_IDS.map((id) => [`PROVIDER_${id.toUpperCase()}_BASE_URL`, mock.baseUrls[id]])),
    });
    const worker = await startWorker(h.runtime);
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const address = h.app.server.address();
    baseUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    mockCohereUrl = mock.baseUrls.cohere;
    life = {
      h,
      async close() {
        await worker.close();
        await h.close();
        await mock.close();
        await telemetry.shutdown();
      },
    };

    // A plain fetch outside any span: no client span and no traceparent, so the API's server span is the root.
    const res = await fetch(`${baseUrl}${ROUTE}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await h.token('otel-user')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'cohere', api_key: KEY }),
    });
    expect(res.status).toBe(201);
    keyId = ((await res.json()) as { id: string }).id;

    server = await eventually(() => exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER && s.name === `POST ${ROUTE}`), 'the API server span');
    // The trace is complete once the consumer span above the provider call has ended.
    await eventually(() => {
      const candidate = spanTree(exporter.getFinishedSpans(), server.spanContext().traceId);
      const call = candidate.spans.find((s) => s.kind === SpanKind.CLIENT && String(s.attributes['url.full'] ?? '').startsWith(mockCohereUrl));
      const consumer = call && candidate.ancestorsOf(call).find((s) => s.kind === SpanKind.CONSUMER);
      if (consumer === undefined) return undefined;
      tree = candidate;
      return consumer;
    }, 'the worker span above the provider call');
  });

  afterAll(async () => {
    await life?.close();
  });

  const producerSpan = () => tree.spans.find((s) => s.kind === SpanKind.PRODUCER && s.name.startsWith('add key-tests'));
  const providerCall = () => tree.spans.find((s) => s.kind === SpanKind.CLIENT && String(s.attributes['url.full'] ?? '').startsWith(mockCohereUrl));
  const consumerAbove = (span: ReadableSpan) => tree.ancestorsOf(span).find((s) => s.kind === SpanKind.CONSUMER);

  it('the request is the root, named by its route, and the enqueue is inside it', () => {
    expect(server.parentSpanContext).toBeUndefined();
    expect(server.attributes['http.route']).toBe(ROUTE);
    expect(server.attributes['http.response.status_code']).toBe(201);
    const producer = producerSpan();
    expect(producer).toBeDefined();
    expect(producer && tree.isDescendantOf(producer, server)).toBe(true);
    // The save's own database writes belong to the request too: one statement stores the key and its audit record.
    expect(tree.spans.some((s) => /insert into "?user_provider_keys[\s\S]*insert into "?audit_log/i.test(sqlOf(s)) && tree.isDescendantOf(s, server))).toBe(true);
  });

  it('the worker span continues the enqueue span (bullmq-otel), and the provider call sits under it', () => {
    const call = providerCall();
    const producer = producerSpan();
    expect(call).toBeDefined();
    expect(producer).toBeDefined();
    if (call === undefined || producer === undefined) return;
    const consumer = consumerAbove(call);
    expect(consumer?.name).toBe('process key-tests');
    expect(consumer?.parentSpanContext?.spanId).toBe(idOf(producer));
    expect(call.attributes['http.response.status_code']).toBe(200);
    // The mock provider is instrumented too: its server span is the call's child, same trace.
    expect(tree.spans.some((s) => s.kind === SpanKind.SERVER && s.parentSpanContext?.spanId === idOf(call))).toBe(true);
  });

  it('the test result and its audit record are written under the worker span', () => {
    const call = providerCall();
    const consumer = call && consumerAbove(call);
    expect(consumer).toBeDefined();
    if (consumer === undefined) return;
    const underWorker = tree.spans.filter((s) => tree.isDescendantOf(s, consumer)).map(sqlOf);
    // One statement writes both (recordKeyTestOnce): the audit record, and the status only if it went in.
    const write = underWorker.find((sql) => /insert into "?audit_log/i.test(sql));
    expect(write).toMatch(/update "?user_provider_keys"? k set test_status/i);
  });

  it('statements keep their shape but not their data', () => {
    const statements = tree.spans.map(sqlOf).filter((sql) => sql !== '');
    const save = statements.find((sql) => /insert into "?user_provider_keys/i.test(sql));
    // Every literal is masked to '?' (the statement's SQL itself may change; this holds whatever it says).
    const literals = save?.match(/'[^']*'/g) ?? [];
    expect(literals.length).toBeGreaterThan(3);
    expect(literals.every((literal) => literal === "'?'")).toBe(true);
    const enqueue = statements.find((sql) => /^evalsha /.test(sql) && sql.includes(':key-tests:wait'));
    expect(enqueue).toMatch(/\[\d+ other arguments\]$/);
    // The encrypted token, the user id, the job payload and the provider's message never reach a span.
    for (const sql of statements) expect(sql).not.toMatch(/gAAAAA|otel-user|keyVersion|accepted the key/);
  });

  it('log lines carry the trace and span ids of the request and of the job', () => {
    const lines = life.h.logs.flatMap((chunk) => chunk.split('\n')).filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    const traceId = server.spanContext().traceId;
    const requestLines = lines.filter((l) => (l.req as { url?: string } | undefined)?.url === ROUTE || (l.msg === 'request completed' && l.trace_id === traceId));
    expect(requestLines.length).toBeGreaterThanOrEqual(2);
    for (const line of requestLines) expect(line.trace_id).toBe(traceId);
    const tested = lines.find((l) => l.msg === 'key tested' && l.keyId === keyId);
    expect(tested?.trace_id).toBe(traceId);
    expect(tree.spans.map(idOf)).toContain(tested?.span_id);
  });

  it('no span, span event or log line contains the key', () => {
    const everything = exporter.getFinishedSpans();
    expect(everything.length).toBeGreaterThan(10);
    for (const span of everything) expect(exportedText(span)).not.toContain(KEY);
    expect(life.h.logs.join('')).not.toContain(KEY);
    // Not even the request body travels: the key's distinctive middle never appears either.
    const middle = KEY.slice(10, 30);
    for (const span of everything) expect(exportedText(span)).not.toContain(middle);
  });

  it('metrics: the key-test outcome, queue depth and the HTTP duration by route', async () => {
    expect(withAttributes(await reader.points('gateway.key_tests'), { provider: 'cohere', outcome: 'valid' }).map((p) => p.value)).toEqual([1]);
    const depth = withAttributes(await reader.points('gateway.queue.jobs'), { queue: 'key-tests' });
    expect(depth.map((p) => p.attributes.state).sort()).toEqual(['active', 'delayed', 'failed', 'prioritized', 'waiting']);
    const waits = withAttributes(await reader.points('gateway.queue.wait_time'), { queue: 'key-tests' });
    expect(waits.length).toBe(1);
    const durations = withAttributes(await reader.points('http.server.request.duration'), { 'http.route': ROUTE, 'http.request.method': 'POST', 'http.response.status_code': 201 });
    expect(durations.length).toBe(1);
    // Instrumentation metrics the dashboard does not read are dropped at the source (metric-views.ts).
    expect(await reader.points('db.client.operation.duration')).toEqual([]);
    expect(await reader.points('http.client.request.duration')).toEqual([]);
  });

  it('key tests that share their statements (group commit) each show the load and the result write in their own trace', async () => {
    const saves = Array.from({ length: 8 }, async (_, n) => {
      const res = await fetch(`${baseUrl}${ROUTE}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await life.h.token(`otel-batch-${n}`)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ provider: 'cohere', api_key: fakeKey('cohere', 'valid', `otel-batch-${n}`) }),
      });
      expect(res.status).toBe(201);
    });
    await Promise.all(saves);
    // A run deferred by a passing database hiccup (a loaded machine's pool time-out counts as an
    // outage, which spends no attempt) has a load and no write; the run that finished the job has both.
    const stepsOf = (worker: ReadableSpan): string[] => {
      const trace = spanTree(exporter.getFinishedSpans(), worker.spanContext().traceId);
      return trace.spans.filter((s) => trace.isDescendantOf(s, worker)).map((s) => s.name);
    };
    const workers = await eventually(() => {
      const found = exporter.getFinishedSpans().filter((s) => s.name === 'process key-tests' && s.spanContext().traceId !== server.spanContext().traceId);
      const finished = found.filter((worker) => stepsOf(worker).includes('key-test record'));
      return finished.length >= 8 ? finished : undefined;
    }, 'eight more worker spans that wrote their result');
    for (const worker of workers) {
      const steps = stepsOf(worker);
      expect(steps.filter((name) => name === 'key-test load')).toHaveLength(1);
      expect(steps.filter((name) => name === 'key-test record')).toHaveLength(1);
    }
  });
});
