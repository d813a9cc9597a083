import type { IncomingMessage } from 'node:http';
import type { Span } from '@opentelemetry/api';

/** What the HTTP server instrumentation keeps on each request it traces. */
export interface ServerRequestTrace {
  /** The server span (non-recording when the sampler dropped the request). */
  span: Span;
  /** The route template, once the framework has matched one (`POST /v1/chat/completions` → `/v1/chat/completions`). */
  route?: string;
}

// A registered symbol: the SDK-side instrumentation and this SDK-free module agree on it even if
// the package were loaded twice.
const TRACE = Symbol.for('byok.telemetry.server-request-trace');

type Traced = IncomingMessage & { [TRACE]?: ServerRequestTrace };

/** The trace of a request the HTTP server instrumentation started; undefined without an SDK, for probes, or for other objects. */
export function serverRequestTrace(request: unknown): ServerRequestTrace | undefined {
  return typeof request === 'object' && request !== null ? (request as Traced)[TRACE] : undefined;
}

/** Only the HTTP server instrumentation calls this. */
export function attachServerRequestTrace(request: IncomingMessage, trace: ServerRequestTrace): void {
  (request as Traced)[TRACE] = trace;
}
