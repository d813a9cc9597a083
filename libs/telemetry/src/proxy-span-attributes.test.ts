import { context, ROOT_CONTEXT, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { isTracingSuppressed } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { PROXY_SPAN_ATTRIBUTES, setProxySpanAttributes, startProxySpan, withoutCallSpan, type ProxySpanFields } from './proxy-span-attributes.js';

function tracer() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { exporter, tracer: provider.getTracer('test') };
}

describe('setProxySpanAttributes', () => {
  it('sets the allow-listed facts under their attribute names', () => {
    const { exporter, tracer: t } = tracer();
    const span = t.startSpan('gateway.proxy');
    setProxySpanAttributes(span, { provider: 'openrouter', requestedModel: 'openai/gpt-4o-mini', credentialSource: 'user_openrouter', stream: true });
    setProxySpanAttributes(span, { promptTokens: 12, completionTokens: 30, outcome: 'success', upstreamStatus: 200, ttfbMs: 140 });
    span.end();
    expect(exporter.getFinishedSpans()[0]?.attributes).toEqual({
      'gateway.provider': 'openrouter',
      'gen_ai.request.model': 'openai/gpt-4o-mini',
      'gateway.credential_source': 'user_openrouter',
      'gateway.stream': true,
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 30,
      'gateway.outcome': 'success',
      'gateway.upstream_status': 200,
      'gateway.ttfb_ms': 140,
    });
  });

  it('ignores anything not on the list, so a whole request object cannot leak its key or prompt', () => {
    const { exporter, tracer: t } = tracer();
    const span = t.startSpan('gateway.proxy');
    const request = { provider: 'openai', apiKey: 'sk-proj-FakeFakeFakeFakeFake', messages: [{ role: 'user', content: 'secret prompt' }], authorization: 'Bearer x' };
    setProxySpanAttributes(span, request as ProxySpanFields);
    span.end();
    const attributes = exporter.getFinishedSpans()[0]?.attributes ?? {};
    expect(attributes).toEqual({ 'gateway.provider': 'openai' });
    expect(Object.keys(attributes).every((name) => (Object.values(PROXY_SPAN_ATTRIBUTES) as string[]).includes(name))).toBe(true);
  });

  it('startProxySpan makes a span only inside a recorded request', () => {
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    try {
      expect(startProxySpan()).toBeUndefined();
      const unsampled = trace.wrapSpanContext({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.NONE });
      expect(context.with(trace.setSpan(ROOT_CONTEXT, unsampled), () => startProxySpan())).toBeUndefined();
      const exporter = new InMemorySpanExporter();
      trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
      const request = trace.getTracer('test').startSpan('POST /v1/chat/completions');
      context.with(trace.setSpan(ROOT_CONTEXT, request), () => startProxySpan({ provider: 'groq' }))?.end();
      request.end();
      const [proxy] = exporter.getFinishedSpans();
      expect(proxy?.name).toBe('gateway.proxy');
      expect(proxy?.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
      expect(proxy?.attributes['gateway.provider']).toBe('groq');
    } finally {
      trace.disable();
      context.disable();
    }
  });

  it('withoutCallSpan suppresses tracing for the call, and only for it', async () => {
    // The context manager the SDK registers; without one, `context.with` is a no-op.
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    try {
      const { exporter, tracer: t } = tracer();
      await withoutCallSpan(async () => t.startSpan('undici call').end());
      t.startSpan('after').end();
      expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['after']);
      expect(isTracingSuppressed(context.active())).toBe(false);
    } finally {
      context.disable();
    }
  });

  it('marks gateway failures as span errors, not client ones, and bounds client-chosen text', () => {
    const { exporter, tracer: t } = tracer();
    const failed = t.startSpan('a');
    setProxySpanAttributes(failed, { outcome: 'upstream_error' });
    failed.end();
    const refused = t.startSpan('b');
    setProxySpanAttributes(refused, { outcome: 'client_error', requestedModel: 'm'.repeat(5000) });
    refused.end();
    const [a, b] = exporter.getFinishedSpans();
    expect(a?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'upstream_error' });
    expect(b?.status.code).toBe(SpanStatusCode.UNSET);
    expect(String(b?.attributes['gen_ai.request.model']).length).toBe(200);
  });
});
