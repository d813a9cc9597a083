/**
 * From proxied requests to the aggregation of their usage events: the proxy sends many requests'
 * events as one job, so the job's trace is the batch's own, linked to each request's span (the
 * OpenTelemetry convention for batches), and the consumer's processing and its SQL continue that
 * trace. No request's trace swallows the batch.
 */
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelemetry } from '../../libs/telemetry/src/sdk/start-telemetry.js';
import type { ProxyHarness } from '../proxy/support/proxy-harness.js';
import { eventually, spanTree, sqlOf } from './support/span-tree.js';

const exporter = new InMemorySpanExporter();
const telemetry = startTelemetry({ serviceName: 'byok-usage-batch-test', spanExporter: exporter, simpleSpanProcessor: true, metricReaders: [] });
const { startProxyHarness } = await import('../proxy/support/proxy-harness.js');
const { startUsageConsumer } = await import('@byok/usage-consumer');

const ROUTE = '/v1/chat/completions';
const REQUESTS = 3;

const batchSpans = () => exporter.getFinishedSpans().filter((s) => s.name === 'usage-events batch');

describe('usage events of proxied requests: one batch trace, linked to each request', () => {
  let h: ProxyHarness;
  let consumer: { close(): Promise<void> };
  const requestSpans: ReadableSpan[] = [];

  beforeAll(async () => {
    h = await startProxyHarness('otel_usage_batch');
    consumer = await startUsageConsumer(h.proxy.runtime, { pruneEveryMs: 0 });
    await h.addKey('otel-batch-user', 'openai', 'valid', 'otel-batch');
    const authorization = `Bearer ${await h.jwt('otel-batch-user')}`;
    // Concurrent, so their events share the sink's 50 ms linger and go out as one job.
    await Promise.all(
      Array.from({ length: REQUESTS }, async () => {
        const res = await fetch(`${h.proxy.url}${ROUTE}`, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
        });
        expect(res.status).toBe(200);
        await res.text();
      }),
    );
    const servers = await eventually(() => {
      const found = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER && s.name === `POST ${ROUTE}`);
      return found.length === REQUESTS ? found : undefined;
    }, 'the proxy server spans');
    requestSpans.push(...servers);
  });

  afterAll(async () => {
    await consumer?.close();
    await h?.close();
    await telemetry.shutdown();
  });

  it('sends the events in batch spans of their own traces that link to every request', async () => {
    // Usually one batch; a loaded machine may split the three requests across two lingers.
    const batches = await eventually(() => {
      const found = batchSpans();
      return found.reduce((n, s) => n + Number(s.attributes['messaging.batch.message_count']), 0) === REQUESTS ? found : undefined;
    }, 'batch spans for every request');
    const requestTraces = new Set(requestSpans.map((s) => s.spanContext().traceId));
    for (const batch of batches) {
      expect(batch.parentSpanContext).toBeUndefined();
      expect(requestTraces.has(batch.spanContext().traceId)).toBe(false);
    }
    expect(new Set(batches.flatMap((b) => b.links.map((l) => l.context.traceId)))).toEqual(requestTraces);
  });

  it("continues the batch's trace into the consumer's processing and its SQL", async () => {
    const batch = await eventually(() => batchSpans()[0], 'a batch span');
    const traceId = batch.spanContext().traceId;
    const processing = await eventually(
      () => exporter.getFinishedSpans().find((s) => s.spanContext().traceId === traceId && s.kind === SpanKind.CONSUMER),
      "the consumer's span",
    );
    const insert = await eventually(
      () => exporter.getFinishedSpans().find((s) => s.spanContext().traceId === traceId && sqlOf(s).includes('usage_events')),
      'the usage_events insert',
    );
    const tree = spanTree(exporter.getFinishedSpans(), traceId);
    expect(tree.isDescendantOf(processing, batch)).toBe(true);
    expect(tree.isDescendantOf(insert, processing)).toBe(true);
    // The requests' own traces hold no consumer work.
    for (const request of requestSpans) {
      expect(spanTree(exporter.getFinishedSpans(), request.spanContext().traceId).spans.some((s) => s.kind === SpanKind.CONSUMER)).toBe(false);
    }
  });
});
