/**
 * The `--import` bootstrap as entry points use it, in child processes (the SDK is process-global):
 * off without an endpoint, with nothing loaded or patched; on with one, exporting spans and
 * metrics over OTLP/HTTP to a receiver this test runs.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ENTRY = ['--import', 'tsx', '--conditions=@byok/source', '--import', './libs/telemetry/src/instrument.ts', 'test/observability/fixtures/instrument-probe.ts'];

interface ProbeReport {
  tracing: boolean;
  sdkLoaded: boolean;
  httpPatched: boolean;
  ioredisPatched: boolean;
}

/** The child's environment: this process's, minus the OTEL_* settings vitest adds, plus `otel`. */
function childEnv(otel: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('OTEL_')));
  return { ...env, ...otel };
}

async function runProbe(otel: Record<string, string>): Promise<ProbeReport> {
  const child = spawn(process.execPath, ENTRY, { env: childEnv(otel), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`probe exited with ${code}: ${stderr}`);
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as ProbeReport;
}

describe('libs/telemetry/src/instrument.ts', () => {
  let receiver: Server;
  let receiverUrl: string;
  const received: { path: string; contentType: string; body: Buffer }[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ path: req.url ?? '', contentType: req.headers['content-type'] ?? '', body: Buffer.concat(chunks) });
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    const address = receiver.address();
    receiverUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  });

  afterAll(() => {
    receiver?.close();
  });

  it('without an endpoint loads no SDK and patches nothing', async () => {
    const report = await runProbe({ OTEL_SERVICE_NAME: 'byok-probe' });
    expect(report).toEqual({ tracing: false, sdkLoaded: false, httpPatched: false, ioredisPatched: false });
    expect(received).toHaveLength(0);
  });

  it('with an endpoint patches http and ioredis and exports spans and metrics over OTLP/proto', async () => {
    const report = await runProbe({ OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl, OTEL_SERVICE_NAME: 'byok-probe' });
    expect(report).toEqual({ tracing: true, sdkLoaded: true, httpPatched: true, ioredisPatched: true });
    const traces = received.filter((r) => r.path === '/v1/traces');
    const metrics = received.filter((r) => r.path === '/v1/metrics');
    expect(traces.length).toBeGreaterThan(0);
    expect(traces[0]?.contentType).toBe('application/x-protobuf');
    // Protobuf keeps strings as UTF-8, so the service name and the request path are readable.
    const traceBytes = Buffer.concat(traces.map((t) => t.body)).toString('latin1');
    expect(traceBytes).toContain('byok-probe');
    expect(traceBytes).toContain('/probe-path');
    expect(Buffer.concat(metrics.map((m) => m.body)).toString('latin1')).toContain('gateway.key_tests');
  });
});
