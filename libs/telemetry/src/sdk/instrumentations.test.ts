import { context, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { suppressTracing } from '@opentelemetry/core';
import { AlwaysOnSampler, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outsideRecordedSpan } from './instrumentations.js';

describe('outsideRecordedSpan (the undici ignore rule)', () => {
  const manager = new AsyncLocalStorageContextManager();
  beforeAll(() => {
    context.setGlobalContextManager(manager.enable());
  });
  afterAll(() => {
    context.disable();
  });

  it('ignores calls outside any span, under an unsampled request and with tracing suppressed; traces calls under a recorded span', () => {
    const tracer = new BasicTracerProvider({ sampler: new AlwaysOnSampler() }).getTracer('test');
    expect(outsideRecordedSpan()).toBe(true);

    const unsampled = trace.wrapSpanContext({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.NONE });
    expect(context.with(trace.setSpan(ROOT_CONTEXT, unsampled), outsideRecordedSpan)).toBe(true);

    const recorded = tracer.startSpan('POST /v1/chat/completions');
    expect(context.with(trace.setSpan(ROOT_CONTEXT, recorded), outsideRecordedSpan)).toBe(false);
    // The proxy's upstream call: its own span is active, tracing suppressed.
    expect(context.with(suppressTracing(trace.setSpan(ROOT_CONTEXT, recorded)), outsideRecordedSpan)).toBe(true);
    recorded.end();
  });
});
