import { describe, expect, it } from 'vitest';
import { readTelemetrySettings } from './telemetry-settings.js';

describe('readTelemetrySettings', () => {
  it('stays off without an OTLP endpoint, whatever else is set', () => {
    expect(readTelemetrySettings({})).toMatchObject({ enabled: false, offReason: 'no OTEL_EXPORTER_OTLP_ENDPOINT' });
    expect(readTelemetrySettings({ OTEL_SERVICE_NAME: 'byok-api', OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }).enabled).toBe(false);
  });

  it('starts with the general or a per-signal endpoint', () => {
    expect(readTelemetrySettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318' })).toEqual({ enabled: true, traces: true });
    expect(readTelemetrySettings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' }).enabled).toBe(true);
    expect(readTelemetrySettings({ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://c:4318/v1/metrics', OTEL_TRACES_EXPORTER: 'none' })).toEqual({ enabled: true, traces: false });
  });

  it('OTEL_SDK_DISABLED=true wins over an endpoint', () => {
    expect(readTelemetrySettings({ OTEL_SDK_DISABLED: 'TRUE', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })).toMatchObject({ enabled: false, offReason: 'OTEL_SDK_DISABLED=true' });
  });
});
