import { type Channel, channel } from 'node:diagnostics_channel';
import { InstrumentationBase, type InstrumentationConfig } from '@opentelemetry/instrumentation';
import { serverRequestTrace } from '../server-request-span.js';

/** The channel Fastify publishes every new root instance on, before any plugin or route is added. */
const INITIALIZATION_CHANNEL = 'fastify.initialization';

/** The parts of Fastify's objects this instrumentation touches (typed here so the lib needs no Fastify import). */
interface FastifyRequestLike {
  raw: unknown;
  method: string;
  routeOptions: { url?: string | undefined };
}
type HookDone = (error?: Error) => void;
interface FastifyInstanceLike {
  addHook(name: 'onRequest', hook: (request: FastifyRequestLike, reply: unknown, done: HookDone) => void): unknown;
  addHook(name: 'onError', hook: (request: FastifyRequestLike, reply: unknown, error: Error, done: HookDone) => void): unknown;
}

/**
 * Fastify instrumentation without spans of its own: it names the HTTP server span and the
 * `http.server.request.duration` metric by route (`POST /v1/chat/completions`), and records a
 * handler's exception on the server span. @fastify/otel did the same plus one `request` span per
 * request that repeated the server span's timing and attributes; on the proxy that span cost about
 * 25–30 µs of CPU per traced request (creation, its hooks, export), see bench/TRACING-NOTES.md.
 * Like @fastify/otel with `registerOnInitialization`, it attaches itself to every Fastify instance
 * at creation, so the apps register nothing.
 *
 * The span comes from `HttpServerInstrumentation`, which keeps it on the raw request.
 */
export class FastifyRouteInstrumentation extends InstrumentationBase {
  constructor(config: InstrumentationConfig = {}) {
    super('@byok/fastify-route-instrumentation', '1.0.0', config);
  }

  protected init(): [] {
    return [];
  }

  // The base constructor calls enable() before a subclass's fields exist, hence the WeakMap.
  override enable(): void {
    super.enable();
    if (subscriptions.has(this)) return;
    const subscriber = (message: unknown) => onInitialization(message);
    subscriptions.set(this, subscriber);
    initialization.subscribe(subscriber);
  }

  override disable(): void {
    super.disable();
    const subscriber = subscriptions.get(this);
    if (subscriber === undefined) return;
    initialization.unsubscribe(subscriber);
    subscriptions.delete(this);
  }
}

const initialization: Channel = channel(INITIALIZATION_CHANNEL);
const subscriptions = new WeakMap<FastifyRouteInstrumentation, (message: unknown) => void>();

function onInitialization(message: unknown): void {
  const fastify = (message as { fastify?: FastifyInstanceLike }).fastify;
  if (fastify === undefined) return;
  fastify.addHook('onRequest', nameServerSpan);
  fastify.addHook('onError', recordHandlerError);
}

function nameServerSpan(request: FastifyRequestLike, _reply: unknown, done: HookDone): void {
  const traced = serverRequestTrace(request.raw);
  const route = request.routeOptions.url;
  if (traced !== undefined && route !== undefined) {
    traced.route = route;
    if (traced.span.isRecording()) {
      traced.span.updateName(`${request.method} ${route}`);
      traced.span.setAttribute('http.route', route);
    }
  }
  done();
}

function recordHandlerError(request: FastifyRequestLike, _reply: unknown, error: Error, done: HookDone): void {
  serverRequestTrace(request.raw)?.span.recordException(error);
  done();
}
