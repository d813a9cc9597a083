import { context, ROOT_CONTEXT, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runSharedStatement } from './shared-statement-span.js';

describe('runSharedStatement (one statement serving many traced callers)', () => {
  const exporter = new InMemorySpanExporter();
  const tracer = () => trace.getTracer('test');
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  });
  afterAll(() => {
    trace.disable();
    context.disable();
  });
  beforeEach(() => exporter.reset());

  const jobContext = (name: string) => {
    const span = tracer().startSpan(name);
    return { span, context: trace.setSpan(ROOT_CONTEXT, span) };
  };
  const unsampled = trace.setSpan(ROOT_CONTEXT, trace.wrapSpanContext({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.NONE }));
  const finished = (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name);

  it('puts the statement under the first recorded caller and gives every other recorded caller a linked span', async () => {
    const first = jobContext('job 1');
    const second = jobContext('job 2');
    const result = await runSharedStatement('key-test record', [unsampled, first.context, second.context], async () => {
      tracer().startSpan('pg query').end();
      return 'done';
    });
    expect(result).toBe('done');
    const [lead, follower] = finished('key-test record');
    expect(finished('key-test record')).toHaveLength(2);
    expect(lead?.parentSpanContext?.spanId).toBe(first.span.spanContext().spanId);
    expect(follower?.parentSpanContext?.spanId).toBe(second.span.spanContext().spanId);
    expect(follower?.links.map((l) => l.context.spanId)).toEqual([lead?.spanContext().spanId]);
    expect(lead?.attributes['db.operation.batch.size']).toBe(3);
    expect(finished('pg query')[0]?.parentSpanContext?.spanId).toBe(lead?.spanContext().spanId);
  });

  it('runs outside any trace when no caller is recorded', async () => {
    const active = await runSharedStatement('key-test load', [unsampled, unsampled], async () => trace.getActiveSpan());
    expect(active).toBeUndefined();
    expect(finished('key-test load')).toEqual([]);
  });

  it("marks every caller's span of a failed statement with the error name only (a driver message may quote values)", async () => {
    const jobs = [jobContext('job 1'), jobContext('job 2')];
    const failing = runSharedStatement('key-test record', jobs.map((j) => j.context), async () => Promise.reject(new TypeError('value secret-ish')));
    await expect(failing).rejects.toThrow('secret-ish');
    expect(finished('key-test record').map((s) => s.status)).toEqual([
      { code: SpanStatusCode.ERROR, message: 'TypeError' },
      { code: SpanStatusCode.ERROR, message: 'TypeError' },
    ]);
  });
});
