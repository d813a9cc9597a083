import { createRequire } from 'node:module';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { IMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { registerTelemetry, unregisterTelemetry } from '../telemetry-registration.js';
import { createInstrumentations, muteUnreadInstrumentationMetrics } from './instrumentations.js';
import { metricViews } from './metric-views.js';
import { samplerFromEnv } from './sampler.js';
import { ScrubbingSpanExporter } from './scrubbing-span-exporter.js';
import { readTelemetrySettings } from './telemetry-settings.js';

/** Overrides for tests and benchmarks; production passes nothing and configures through `OTEL_*`. */
export interface StartTelemetryOptions {
  /** Replaces `OTEL_SERVICE_NAME`. */
  serviceName?: string;
  /** Replaces the OTLP span exporter (tests pass an `InMemorySpanExporter`). Always wrapped in the scrubber. */
  spanExporter?: SpanExporter;
  /** Export each span when it ends instead of in batches (tests read spans right after the work). */
  simpleSpanProcessor?: boolean;
  /** Replaces the readers `OTEL_METRICS_EXPORTER` would configure (tests pass their own reader, or `[]`). */
  metricReaders?: IMetricReader[];
  /** Defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** A started SDK. */
export interface TelemetryHandle {
  /** Exports everything buffered, without stopping. */
  forceFlush(): Promise<void>;
  /** Exports everything buffered and stops the SDK; later calls resolve at once. */
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry Node SDK: context manager, propagators, the five instrumentations, a
 * span pipeline (scrubber → batch processor → OTLP/proto) and the metric readers from the
 * environment. Must run before the app imports what it instruments; `instrument.ts` does that for
 * entry points, tests call it first and `await import()` the app afterwards.
 *
 * Only entry points and tests import this module: it loads the whole SDK.
 */
export function startTelemetry(options: StartTelemetryOptions = {}): TelemetryHandle {
  const env = options.env ?? process.env;
  const settings = readTelemetrySettings(env);
  const spanProcessors: SpanProcessor[] = [];
  if (options.spanExporter !== undefined || settings.traces) {
    const exporter = new ScrubbingSpanExporter(options.spanExporter ?? new OTLPTraceExporter());
    spanProcessors.push(options.simpleSpanProcessor === true ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter));
  }
  const instrumentations = createInstrumentations();
  const sdk = new NodeSDK({
    ...(options.serviceName === undefined ? {} : { serviceName: options.serviceName }),
    instrumentations,
    spanProcessors,
    sampler: samplerFromEnv(env),
    views: metricViews(),
    ...(options.metricReaders === undefined ? {} : { metricReaders: options.metricReaders }),
    // Logs go to stdout through pino, with trace ids; an OTLP log pipeline would only idle. An
    // operator who sets OTEL_LOGS_EXPORTER gets NodeSDK's own handling of it.
    ...((env.OTEL_LOGS_EXPORTER?.trim() ?? '') === '' ? { logRecordProcessors: [] } : {}),
  });
  sdk.start();
  muteUnreadInstrumentationMetrics(instrumentations);
  patchEsmImports();

  let stopped: Promise<void> | undefined;
  const handle: TelemetryHandle = {
    async forceFlush() {
      await Promise.all(spanProcessors.map((processor) => processor.forceFlush()));
      await Promise.all((options.metricReaders ?? []).map((reader) => reader.forceFlush()));
    },
    shutdown() {
      stopped ??= sdk.shutdown().then(undefined, reportFailedShutdown).finally(unregisterTelemetry);
      return stopped;
    },
  };
  registerTelemetry({ shutdown: handle.shutdown });
  return handle;
}

/**
 * The last export on shutdown fails when the collector is unreachable (ECONNREFUSED, a timeout).
 * Telemetry is best effort: the process still exits cleanly, with one line on stderr saying what
 * was lost, instead of an unhandled rejection that crashes the shutdown of the service itself.
 */
function reportFailedShutdown(error: unknown): void {
  const reason = error instanceof Error ? `${(error as NodeJS.ErrnoException).code ?? error.name}: ${error.message}` : String(error);
  process.stderr.write(`telemetry: the final export to the OpenTelemetry collector failed (${reason}); buffered spans and metrics were dropped\n`);
}

/**
 * Instrumentations patch modules as `require()` loads them (require-in-the-middle), and never see
 * an ESM `import`. ioredis is imported as ESM by the app and by BullMQ, and `node:http` by ESM
 * servers; requiring each once here patches the shared module object (ioredis's client
 * prototype, http's `Server.prototype.emit`), so every later `import` gets the instrumented code,
 * under tsx, plain node and vitest alike, with no loader hook. pg, Fastify and undici need
 * nothing: knex requires pg, and the other two report through diagnostics channels.
 */
function patchEsmImports(): void {
  const require = createRequire(import.meta.url);
  for (const id of ['node:http', 'node:https', 'ioredis']) require(id);
}
