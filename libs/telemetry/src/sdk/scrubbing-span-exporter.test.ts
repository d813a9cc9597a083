import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { ScrubbingSpanExporter } from './scrubbing-span-exporter.js';

const GEMINI_KEY = `AIza${'FakeFake'.repeat(4)}123`;
const OPENAI_KEY = `sk-proj-${'FaKe0'.repeat(8)}`;

function pipeline() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new ScrubbingSpanExporter(exporter))] });
  return { exporter, tracer: provider.getTracer('test') };
}

describe('ScrubbingSpanExporter', () => {
  it('masks key-shaped text in attributes, arrays, events, links and status, keeping the rest', () => {
    const { exporter, tracer } = pipeline();
    const linked = tracer.startSpan('linked');
    linked.end();
    const span = tracer.startSpan('GET', {
      kind: SpanKind.CLIENT,
      links: [{ context: linked.spanContext(), attributes: { note: `Bearer ${OPENAI_KEY}` } }],
    });
    span.setAttribute('url.full', `https://generativelanguage.googleapis.com/v1beta/models?key=${GEMINI_KEY}`);
    span.setAttribute('http.response.status_code', 200);
    span.setAttribute('tags', ['plain', OPENAI_KEY]);
    span.addEvent('exception', { 'exception.message': `bad key ${OPENAI_KEY}` });
    span.setStatus({ code: SpanStatusCode.ERROR, message: `rejected ${OPENAI_KEY}` });
    span.end();

    const exported = exporter.getFinishedSpans().find((s) => s.name === 'GET');
    const text = JSON.stringify({ a: exported?.attributes, e: exported?.events, l: exported?.links, s: exported?.status });
    expect(text).not.toContain(GEMINI_KEY);
    expect(text).not.toContain(OPENAI_KEY);
    expect(exported?.attributes['url.full']).toBe('https://generativelanguage.googleapis.com/v1beta/models?key=[redacted]');
    expect(exported?.attributes['http.response.status_code']).toBe(200);
    expect(exported?.attributes.tags).toEqual(['plain', 'sk-[redacted]']);
    // The copy is still a full span: ids, parentage and timing survive.
    expect(exported?.spanContext().spanId).toBe(span.spanContext().spanId);
    expect(exported?.kind).toBe(SpanKind.CLIENT);
  });

  it('passes spans without a match through untouched (no copy)', () => {
    const inner = new InMemorySpanExporter();
    const scrubbing = new ScrubbingSpanExporter(inner);
    const { exporter, tracer } = pipeline();
    const span = tracer.startSpan('POST /api/v1/llm/byok/keys', { attributes: { 'http.route': '/api/v1/llm/byok/keys' } });
    span.end();
    const original = exporter.getFinishedSpans()[0];
    expect(original).toBeDefined();
    if (original === undefined) return;
    scrubbing.export([original], () => undefined);
    expect(inner.getFinishedSpans()[0]).toBe(original);
  });
});
