/**
 * The OpenTelemetry bootstrap of every entry point, loaded before the app with `--import`:
 *
 *   node --import tsx --conditions=@byok/source --import ./libs/telemetry/src/instrument.ts apps/<app>/src/main.ts
 *
 * With an OTLP endpoint configured (`OTEL_EXPORTER_OTLP_ENDPOINT`, or the per-signal variables) it
 * starts the SDK before any app module is evaluated, which is what lets the instrumentations patch
 * http, pg and ioredis as they load. Without one it loads nothing else: no SDK, no patched module,
 * and the app's tracing calls hit the API's no-op implementation.
 *
 * Entry points flush on the way out through `runService` (libs/runtime), which awaits `shutdownTelemetry()`
 * before `process.exit`; a process that ends on its own is flushed here on `beforeExit`. No signal
 * handler is installed here: one would replace Node's default exit on SIGTERM.
 */
import { readTelemetrySettings } from './sdk/telemetry-settings.js';

if (readTelemetrySettings(process.env).enabled) {
  const { startTelemetry } = await import('./sdk/start-telemetry.js');
  const telemetry = startTelemetry();
  process.once('beforeExit', () => {
    void telemetry.shutdown();
  });
}
