/**
 * A proxied chat request under the SDK as entry points start it (in-memory exporter): one trace
 * from the proxy's server span to the upstream call, the proxy's attributes and metrics, and no
 * key or prompt on any span or log line.
 */
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROXY_SPAN_NAME } from '../../libs/telemetry/src/proxy-span-attributes.js';
import { startTelemetry } from '../../libs/telemetry/src/sdk/start-telemetry.js';
import type { ProxyHarness } from '../proxy/support/proxy-harness.js';
import { TestMetricReader, withAttributes } from './support/metric-reader.js';
import { eventually, exportedText, idOf, spanTree } from './support/span-tree.js';

const exporter = new InMemorySpanExporter();
const reader = new TestMetricReader();
const telemetry = startTelemetry({ serviceName: 'byok-proxy-test', spanExporter: exporter, simpleSpanProcessor: true, metricReaders: [reader] });
const { startProxyHarness } = await import('../proxy/support/proxy-harness.js');

const PROMPT = 'Tell me the secret plan for observability-trace-test';
const ROUTE = '/v1/chat/completions';

describe('a proxied chat request: one trace, two spans', () => {
  let h: ProxyHarness;
  let apiKey: string;
  const servers: ReadableSpan[] = [];

  beforeAll(async () => {
    h = await startProxyHarness('otel_proxy');
    apiKey = (await h.addKey('otel-proxy-user', 'openai', 'valid', 'otel-proxy')).apiKey;
    const authorization = `Bearer ${await h.jwt('otel-proxy-user')}`;
    for (const stream of [false, true]) {
      // A plain fetch outside any span: the proxy's server span is the root of each trace.
      const res = await fetch(`${h.proxy.url}${ROUTE}`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', stream, messages: [{ role: 'user', content: PROMPT }] }),
      });
      expect(res.status).toBe(200);
      await res.text();
      const seen = new Set(servers.map(idOf));
      servers.push(await eventually(() => exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER && s.name === `POST ${ROUTE}` && !seen.has(idOf(s))), 'the proxy server span'));
    }
  });

  afterAll(async () => {
    await h?.close();
    await telemetry.shutdown();
  });

  const upstreamCallIn = (server: ReadableSpan) => {
    const tree = spanTree(exporter.getFinishedSpans(), server.spanContext().traceId);
    return { tree, call: tree.spans.find((s) => s.kind === SpanKind.CLIENT && s.name === PROXY_SPAN_NAME) };
  };

  it('JSON and streamed requests: the server span is the root and the upstream call is inside it; the provider gets no trace context', () => {
    for (const server of servers) {
      expect(server.parentSpanContext).toBeUndefined();
      expect(server.attributes['http.route']).toBe(ROUTE);
      expect(server.attributes['http.response.status_code']).toBe(200);
      const { tree, call } = upstreamCallIn(server);
      expect(call).toBeDefined();
      if (call === undefined) continue;
      expect(tree.isDescendantOf(call, server)).toBe(true);
      expect(call.attributes['gateway.upstream_status']).toBe(200);
      // The in-process mock provider is instrumented too: a traceparent reaching it would put its server span in this trace.
      expect(tree.spans.filter((s) => s.kind === SpanKind.SERVER).map(idOf)).toEqual([idOf(server)]);
    }
  });

  it('the proxy makes two spans per request: the server span and the upstream call (no Fastify span, no second span from undici)', () => {
    for (const server of servers) {
      const { tree } = upstreamCallIn(server);
      // Not counted: the queries of a cold route cache, which the first request may pay.
      const proxySpans = tree.spans.filter((s) => s.attributes['db.system.name'] === undefined);
      expect(proxySpans.map((s) => `${SpanKind[s.kind]} ${s.name}`).sort()).toEqual([`CLIENT ${PROXY_SPAN_NAME}`, `SERVER POST ${ROUTE}`]);
    }
  });

  it('no span, span event or log line contains the key or the prompt', () => {
    const everything = exporter.getFinishedSpans();
    for (const span of everything) {
      expect(exportedText(span)).not.toContain(apiKey);
      expect(exportedText(span)).not.toContain(PROMPT);
    }
    const logs = [...h.proxy.logs, ...h.api.logs].join('');
    expect(logs).not.toContain(apiKey);
    expect(logs).not.toContain(PROMPT);
  });

  it('one span per request carries provider, model, credential source, tokens and outcome', () => {
    for (const [index, server] of servers.entries()) {
      const { tree } = upstreamCallIn(server);
      const tagged = tree.spans.filter((s) => s.attributes['gateway.provider'] !== undefined);
      expect(tagged).toHaveLength(1);
      expect(tagged[0]?.attributes).toMatchObject({
        'gateway.provider': 'openai',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gateway.credential_source': 'user_provider',
        'gateway.stream': index === 1,
        'gateway.outcome': 'success',
      });
      expect(Number(tagged[0]?.attributes['gen_ai.usage.input_tokens'])).toBeGreaterThan(0);
      expect(Number(tagged[0]?.attributes['gen_ai.usage.output_tokens'])).toBeGreaterThan(0);
    }
  });

  it('metrics: both requests counted as BYOK, with latency and time to first byte', async () => {
    const counted = withAttributes(await reader.points('gateway.proxy.duration'), { provider: 'openai', credential_source: 'user_provider', outcome: 'success' });
    expect(counted.reduce((sum, p) => sum + (p.value as { count: number }).count, 0)).toBe(2);
    expect(withAttributes(await reader.points('gateway.proxy.time_to_first_byte'), { provider: 'openai' }).length).toBeGreaterThan(0);
  });
});
