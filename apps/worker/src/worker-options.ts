import type { WorkerConfig } from '@byok/config';
import type { GatewayMetrics } from '@byok/telemetry';

/**
 * What a caller of `startWorker` may set over the configuration (`config.worker`, the one home of
 * the settings and their defaults). Production sets nothing here; tests shorten the lock so a
 * killed worker's job is taken over quickly.
 */
export interface StartWorkerOptions extends Partial<WorkerConfig> {
  /** Keys read per page by the maintenance tasks; unset: the tasks' own page size. */
  maintenanceBatchSize?: number;
  /** Where key-test outcomes, job waits and failures are recorded; default: the global meter provider. */
  metrics?: GatewayMetrics;
}

/** The settings the workers run with: the configuration, with the caller's overrides. */
export interface WorkerSettings extends WorkerConfig {
  maintenanceBatchSize: number | undefined;
}

export function resolveWorkerSettings(config: WorkerConfig, options: StartWorkerOptions = {}): WorkerSettings {
  return {
    lockDurationMs: options.lockDurationMs ?? config.lockDurationMs,
    stalledIntervalMs: options.stalledIntervalMs ?? config.stalledIntervalMs,
    maintenanceBatchSize: options.maintenanceBatchSize,
  };
}
