import type * as http from 'node:http';
import { type Attributes, type Context, context, type Histogram, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, ValueType } from '@opentelemetry/api';
import { InstrumentationBase, type InstrumentationConfig, InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { attachServerRequestTrace, type ServerRequestTrace } from '../server-request-span.js';

/** Paths polled by load balancers and Docker health checks: a trace per probe is noise. */
const PROBE_PATHS = new Set(['/healthz', '/readyz']);

/** The stable HTTP conventions' buckets for `http.server.request.duration` (seconds). */
const DURATION_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** `Server.prototype.emit` without its overloads. */
type Emit = (this: http.Server, event: string | symbol, ...args: unknown[]) => boolean;

/**
 * Server spans and the `http.server.request.duration` metric for every `node:http` server, built
 * for the proxy's hot path. It replaces @opentelemetry/instrumentation-http: with it the SDK added
 * +173 µs of CPU per proxied request with nothing sampled, with this +56 µs (bench/TRACING-NOTES.md).
 * The stock one built some twenty attributes and parsed the URL before sampling, bound the request's and
 * response's emitters to the context (wrapping every listener added later), and instrumented
 * outgoing `node:http` calls, which this service does not make. Here an unsampled request costs
 * the propagation extract, a sampling decision, one `close` listener and the metric record;
 * attributes are built only for a span that is recorded.
 *
 * The context is entered around the `request` event, so the framework's routing, its first log
 * line, hooks and handler run in it (Fastify carries it across the body's read itself, through an
 * AsyncResource). Node emits the response's events outside it: code there binds its listener
 * (`bindToCurrentTrace`), or finds the span from the request with `serverRequestTrace`.
 */
export class HttpServerInstrumentation extends InstrumentationBase {
  // `declare`: the base constructor calls `_updateMetricInstruments` before subclass fields would be initialised.
  declare private duration: Histogram;

  constructor(config: InstrumentationConfig = {}) {
    super('@byok/http-server-instrumentation', '1.0.0', config);
  }

  protected override _updateMetricInstruments(): void {
    this.duration = this.meter.createHistogram('http.server.request.duration', {
      description: 'Duration of HTTP server requests.',
      unit: 's',
      valueType: ValueType.DOUBLE,
      advice: { explicitBucketBoundaries: DURATION_BUCKETS_S },
    });
  }

  protected init() {
    return new InstrumentationNodeModuleDefinition(
      'http',
      ['*'],
      (moduleExports: typeof http) => {
        this._wrap(moduleExports.Server.prototype, 'emit', (original) => this.tracedEmit(original as Emit) as http.Server['emit']);
        return moduleExports;
      },
      (moduleExports: typeof http) => {
        this._unwrap(moduleExports.Server.prototype, 'emit');
      },
    );
  }

  private tracedEmit(original: Emit): Emit {
    const instrumentation = this;
    return function emit(this: http.Server, event: string | symbol, ...args: unknown[]): boolean {
      if (event !== 'request') return original.call(this, event, ...args);
      const request = args[0] as http.IncomingMessage;
      const response = args[1] as http.ServerResponse;
      if (isProbe(request)) return original.call(this, event, ...args);
      return context.with(instrumentation.start(request, response), original, this, event, ...args);
    };
  }

  /** Starts the request's span; returns the context to handle the request in. */
  private start(request: http.IncomingMessage, response: http.ServerResponse): Context {
    const startedAt = performance.now();
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const method = request.method ?? 'GET';
    const span = this.tracer.startSpan(method, { kind: SpanKind.SERVER }, parent);
    if (span.isRecording()) span.setAttributes(requestAttributes(request, method));
    const traced: ServerRequestTrace = { span };
    attachServerRequestTrace(request, traced);
    // `close` comes once, after `finish` or when the client went away first.
    response.once('close', () => this.finish(traced, method, response, startedAt));
    return trace.setSpan(parent, span);
  }

  private finish(traced: ServerRequestTrace, method: string, response: http.ServerResponse, startedAt: number): void {
    const status = response.statusCode;
    const { span, route } = traced;
    if (span.isRecording()) {
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      if (!response.writableFinished) span.setAttribute('http.response.incomplete', true);
    }
    span.end();
    const attributes: Attributes = { 'http.request.method': method, 'url.scheme': 'http', 'http.response.status_code': status };
    if (route !== undefined) attributes['http.route'] = route;
    this.duration.record((performance.now() - startedAt) / 1000, attributes);
  }
}

function isProbe(request: http.IncomingMessage): boolean {
  const url = request.url ?? '';
  const query = url.indexOf('?');
  return PROBE_PATHS.has(query === -1 ? url : url.slice(0, query));
}

/**
 * The stable HTTP conventions' request attributes. The query string is left out: callers may put
 * tokens in it, and no route of this service reads one.
 */
function requestAttributes(request: http.IncomingMessage, method: string): Attributes {
  const url = request.url ?? '/';
  const query = url.indexOf('?');
  const attributes: Attributes = {
    'http.request.method': method,
    'url.path': query === -1 ? url : url.slice(0, query),
    'url.scheme': 'http',
    'network.protocol.version': request.httpVersion,
  };
  const userAgent = request.headers['user-agent'];
  if (userAgent !== undefined) attributes['user_agent.original'] = userAgent;
  const peer = request.socket.remoteAddress;
  if (peer !== undefined) attributes['network.peer.address'] = peer;
  return attributes;
}
