/**
 * A stand-in OpenTelemetry Collector for benchmarks: accepts OTLP/HTTP posts (`/v1/traces`,
 * `/v1/metrics`), drains them without decoding and answers 200, so the traced server pays the
 * whole export cost (batching, protobuf encoding, HTTP) while the receiving side stays negligible.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';

export interface OtlpSink {
  url: string;
  /** Posts and bytes received so far, per path. */
  received(): Record<string, { posts: number; bytes: number }>;
  close(): Promise<void>;
}

export async function startOtlpSink(): Promise<OtlpSink> {
  const totals: Record<string, { posts: number; bytes: number }> = {};
  const server = createServer((req, res) => {
    const path = req.url ?? '';
    const entry = totals[path] ?? { posts: 0, bytes: 0 };
    totals[path] = entry;
    req.on('data', (chunk: Buffer) => {
      entry.bytes += chunk.length;
    });
    req.on('end', () => {
      entry.posts += 1;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`,
    received: () => structuredClone(totals),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
