import type { GatewayMetrics } from '@byok/telemetry';

/**
 * Process-level knobs of the BullMQ workers that libs/config does not carry (yet). Production
 * keeps the defaults; tests shorten the lock so a killed worker's job is taken over quickly.
 */
export interface StartWorkerOptions {
  /**
   * How long a job's lock lives without renewal (BullMQ renews it every half). A worker that dies
   * mid-job holds its jobs this long before the stalled check hands them to another worker.
   * Default 30 000 ms.
   */
  lockDurationMs?: number;
  /** How often this worker looks for stalled jobs (locks that expired). Default 30 000 ms. */
  stalledIntervalMs?: number;
  /** Keys read per page by the maintenance tasks; defaults are the tasks' own. */
  maintenanceBatchSize?: number;
  /** Where key-test outcomes, job waits and failures are recorded; default: the global meter provider. */
  metrics?: GatewayMetrics;
}

/** The options with defaults applied. */
export interface WorkerSettings {
  lockDurationMs: number;
  stalledIntervalMs: number;
  maintenanceBatchSize: number | undefined;
}

export const DEFAULT_LOCK_DURATION_MS = 30_000;
export const DEFAULT_STALLED_INTERVAL_MS = 30_000;

export function resolveWorkerSettings(options: StartWorkerOptions = {}): WorkerSettings {
  return {
    lockDurationMs: options.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS,
    stalledIntervalMs: options.stalledIntervalMs ?? DEFAULT_STALLED_INTERVAL_MS,
    maintenanceBatchSize: options.maintenanceBatchSize,
  };
}
