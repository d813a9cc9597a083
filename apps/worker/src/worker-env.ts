import type { StartWorkerOptions } from './worker-options.js';

/**
 * Worker knobs read straight from the environment because libs/config does not declare them yet
 * (they belong there; see the README). Each is optional; a value that is set but not a whole
 * number in range stops the process at boot with the variable's name.
 */
export interface WorkerEnv {
  options: StartWorkerOptions;
  /** How long a SIGTERM/SIGINT waits for running jobs before the process exits anyway. */
  shutdownGraceMs: number;
}

export const DEFAULT_SHUTDOWN_GRACE_MS = 25_000;

export function readWorkerEnv(source: NodeJS.ProcessEnv): WorkerEnv {
  const lockDurationMs = readMs(source, 'WORKER_LOCK_DURATION_MS', 100);
  const stalledIntervalMs = readMs(source, 'WORKER_STALLED_INTERVAL_MS', 100);
  return {
    options: {
      ...(lockDurationMs === undefined ? {} : { lockDurationMs }),
      ...(stalledIntervalMs === undefined ? {} : { stalledIntervalMs }),
    },
    shutdownGraceMs: readMs(source, 'WORKER_SHUTDOWN_GRACE_MS', 0) ?? DEFAULT_SHUTDOWN_GRACE_MS,
  };
}

const MAX_MS = 24 * 3600 * 1000;

function readMs(source: NodeJS.ProcessEnv, name: string, minimum: number): number | undefined {
  const raw = source[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < minimum || value > MAX_MS) {
    throw new Error(`Invalid ${name}: expected whole milliseconds between ${minimum} and ${MAX_MS}`);
  }
  return value;
}
