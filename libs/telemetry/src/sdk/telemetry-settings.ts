/**
 * Reads the standard `OTEL_*` variables and decides whether this process starts the SDK at all.
 * It imports nothing, so `instrument.ts` can decide before loading a single SDK module: with no
 * exporter endpoint the process pays for one file and a few property reads.
 */
export interface TelemetrySettings {
  /** Start the SDK: an OTLP endpoint is set and `OTEL_SDK_DISABLED` is not `true`. */
  enabled: boolean;
  /** Export spans (false when `OTEL_TRACES_EXPORTER=none`, e.g. a metrics-only setup). */
  traces: boolean;
  /** Why the SDK stays off, for a start-up notice; undefined when it starts. */
  offReason?: string;
}

const ENDPOINT_VARIABLES = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT'] as const;

export function readTelemetrySettings(env: NodeJS.ProcessEnv): TelemetrySettings {
  const traces = !listOf(env.OTEL_TRACES_EXPORTER).includes('none');
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return { enabled: false, traces, offReason: 'OTEL_SDK_DISABLED=true' };
  if (!ENDPOINT_VARIABLES.some((name) => (env[name]?.trim() ?? '') !== '')) {
    return { enabled: false, traces, offReason: 'no OTEL_EXPORTER_OTLP_ENDPOINT' };
  }
  return { enabled: true, traces };
}

function listOf(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter((item) => item !== '');
}
