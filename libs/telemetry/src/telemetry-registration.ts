/**
 * What the SDK bootstrap (`sdk/start-telemetry.ts`) leaves behind for library code that must not
 * import the SDK: whether tracing runs, and how to flush and stop it before the process exits.
 *
 * It lives on `globalThis` under a registered symbol, the way `@opentelemetry/api` keeps its own
 * globals, so the bootstrap loaded through `--import` and the app's copy of this module agree even
 * when a loader or test runner gives them separate module instances.
 */
interface TelemetryRegistration {
  /** Flushes pending spans and metrics and stops the SDK; safe to call more than once. */
  shutdown(): Promise<void>;
}

const REGISTRATION = Symbol.for('@byok/telemetry.registration');

type GlobalWithRegistration = typeof globalThis & { [REGISTRATION]?: TelemetryRegistration };

/** Called once by the SDK bootstrap after `sdk.start()`. */
export function registerTelemetry(registration: TelemetryRegistration): void {
  (globalThis as GlobalWithRegistration)[REGISTRATION] = registration;
}

/** Called by the bootstrap's shutdown, so a stopped SDK is not reported as running. */
export function unregisterTelemetry(): void {
  delete (globalThis as GlobalWithRegistration)[REGISTRATION];
}

/** True when this process started the OpenTelemetry SDK (an exporter endpoint was configured). */
export function isTracingEnabled(): boolean {
  return (globalThis as GlobalWithRegistration)[REGISTRATION] !== undefined;
}

/**
 * Flushes and stops the SDK if it runs; resolves at once otherwise. Entry points call it last in
 * their shutdown path, right before `process.exit`, so the spans of the final requests and jobs are
 * exported rather than dropped with the process.
 */
export async function shutdownTelemetry(): Promise<void> {
  await (globalThis as GlobalWithRegistration)[REGISTRATION]?.shutdown();
}
