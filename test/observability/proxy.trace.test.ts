/**
 * A proxied chat request under the SDK as entry points start it (in-memory exporter): one trace
 * from the proxy's server span to the upstream call and the provider's answer, with no key or
 * prompt on any span or log line. The proxy-attribute and proxy-metric checks switch on by
 * themselves once apps/proxy calls `setProxySpanAttributes` / `recordProxyRequest`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelemetry } from '../../libs/telemetry/src/sdk/start-telemetry.js';
import type { ProxyHarness } from '../proxy/support/proxy-harness.js';
import { TestMetricReader, withAttributes } from './support/metric-reader.js';
import { eventually, exportedText, idOf, spanTree } from './support/span-tree.js';
import { ROOT } from './support/stack-files.js';

const exporter = new InMemorySpanExporter();
const reader = new TestMetricReader();
const telemetry = startTelemetry({ serviceName: 'byok-proxy-test', spanExporter: exporter, simpleSpanProcessor: true, metricReaders: [reader] });
const { startProxyHarness } = await import('../proxy/support/proxy-harness.js');

const PROMPT = 'Tell me the secret plan for observability-trace-test';
const ROUTE = '/v1/chat/completions';

/** Whether the proxy's source calls a @byok/telemetry helper yet (the wiring is done in apps/proxy). */
function proxyCalls(helper: string): boolean {
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? files(join(dir, entry.name)) : entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [join(dir, entry.name)] : []));
  return files(join(ROOT, 'apps/proxy/src')).some((file) => readFileSync(file, 'utf8').includes(helper));
}

describe('a proxied chat request: one trace to the provider', () => {
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
    return { tree, call: tree.spans.find((s) => s.kind === SpanKind.CLIENT && String(s.attributes['url.full'] ?? '').startsWith(`${h.mock.baseUrls.openai}/chat/completions`)) };
  };

  it('JSON and streamed requests: the server span is the root, the upstream call and the provider answer are inside it', () => {
    for (const server of servers) {
      expect(server.parentSpanContext).toBeUndefined();
      expect(server.attributes['http.route']).toBe(ROUTE);
      expect(server.attributes['http.response.status_code']).toBe(200);
      const { tree, call } = upstreamCallIn(server);
      expect(call).toBeDefined();
      if (call === undefined) continue;
      expect(tree.isDescendantOf(call, server)).toBe(true);
      expect(call.attributes['http.response.status_code']).toBe(200);
      expect(tree.spans.some((s) => s.kind === SpanKind.SERVER && s.parentSpanContext?.spanId === idOf(call))).toBe(true);
    }
  });

  it('the proxy adds three spans per request: server, gateway.proxy and the upstream call (no per-request Fastify span)', () => {
    for (const server of servers) {
      const { tree, call } = upstreamCallIn(server);
      // Not counted: the provider's own server span (the in-process mock, below the call) and the
      // queries of a cold route cache, which the first request may pay.
      const proxySpans = tree.spans.filter((s) => (call === undefined || !tree.isDescendantOf(s, call)) && s.attributes['db.system.name'] === undefined);
      expect(proxySpans.map((s) => `${SpanKind[s.kind]} ${s.name}`).sort()).toEqual(['CLIENT POST', 'INTERNAL gateway.proxy', `SERVER POST ${ROUTE}`]);
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

  it.skipIf(!proxyCalls('setProxySpanAttributes'))('one span per request carries provider, model, credential source, tokens and outcome', () => {
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

  it.skipIf(!proxyCalls('recordProxyRequest'))('metrics: both requests counted as BYOK, with latency and time to first byte', async () => {
    const counted = withAttributes(await reader.points('gateway.proxy.requests'), { provider: 'openai', credential_source: 'user_provider', outcome: 'success' });
    expect(counted.reduce((sum, p) => sum + Number(p.value), 0)).toBe(2);
    expect(withAttributes(await reader.points('gateway.proxy.duration'), { provider: 'openai' }).length).toBeGreaterThan(0);
    expect(withAttributes(await reader.points('gateway.proxy.time_to_first_byte'), { provider: 'openai' }).length).toBeGreaterThan(0);
  });
});
