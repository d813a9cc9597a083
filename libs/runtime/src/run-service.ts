import cluster from 'node:cluster';
import { shutdownTelemetry } from '@byok/telemetry';
import { WORKER_READY_MESSAGE } from './worker-processes.js';

/** The part of a pino logger the process skeleton writes to. */
export interface ServiceLogger {
  info(obj: object, msg: string): void;
  info(msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** What a stopping service may ask about its deadline. */
export interface StopContext {
  /** Milliseconds left of the grace period (never below 0). */
  msLeft(): number;
}

/** A started service, as `start` hands it to `runService`. */
export interface StartedService {
  logger: ServiceLogger;
  /** `SHUTDOWN_GRACE_MS`: how long `stop` may take before the process exits with status 1. */
  graceMs: number;
  /** Said in the log line when a stop begins, e.g. "finishing running jobs". */
  stopping: string;
  /** Said when the grace period runs out first: what is left unfinished and who takes it over. */
  unfinished: string;
  /** Numbers logged with that line, read when it is written (e.g. usage events still in memory). */
  unfinishedCounts?: () => Record<string, number>;
  /** Stops the service's parts in order (servers, workers, then the runtime). Telemetry is flushed after it. */
  stop(context: StopContext): Promise<void>;
}

/** The process the skeleton governs; tests pass a fake. */
export interface ServiceProcess {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  exit(code: number): void;
  stderr: { write(text: string): unknown };
}

export interface RunServiceOptions {
  /** Names the process in log lines: "<name> stopped", "<name> failed to start". */
  name: string;
  /** Loads config, opens the runtime, starts serving; a rejection ends the process with status 1. */
  start(): Promise<StartedService>;
  /**
   * Called once the service has started. By default, in a worker process of `startWorkerProcesses`,
   * tells the primary (which waits for every worker before it reports the start); elsewhere nothing.
   */
  announceStarted?: () => void;
  /** Exports the last spans and metrics; default `shutdownTelemetry` (a no-op without an SDK). */
  flushTelemetry?: () => Promise<void>;
  process?: ServiceProcess;
}

/**
 * Wrappers (npx, tsx) relay a signal the process also receives directly, and a terminal's Ctrl+C
 * reaches the whole process group: copies that close together are one request to stop. Only a
 * signal after this long means "stop now".
 */
export const REPEATED_SIGNAL_MS = 1000;

const SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/**
 * The one process skeleton of every entry point. Starts the service; on the first SIGTERM or
 * SIGINT stops it, flushes telemetry (so the spans of the last requests leave with the process)
 * and exits 0. Exits 1 when the stop fails, or when `graceMs` runs out first. A second signal
 * more than `REPEATED_SIGNAL_MS` after the first exits at once with status 1 and a log line;
 * copies within that time are the same request (see `REPEATED_SIGNAL_MS`). A failed start
 * writes one line to stderr (config errors name the variable, never a value) and exits 1.
 */
export async function runService(options: RunServiceOptions): Promise<void> {
  const proc = options.process ?? process;
  const flushTelemetry = options.flushTelemetry ?? shutdownTelemetry;
  let service: StartedService;
  try {
    service = await options.start();
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    proc.stderr.write(`${options.name} failed to start: ${message}\n`);
    proc.exit(1);
    return;
  }
  const { logger, graceMs } = service;
  let stoppingSince: number | undefined;
  const stop = (signal: NodeJS.Signals): void => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < REPEATED_SIGNAL_MS) return;
      logger.warn({ signal }, 'second signal; exiting now');
      proc.exit(1);
      return;
    }
    const startedAt = Date.now();
    stoppingSince = startedAt;
    logger.info({ signal, graceMs }, `shutting down: ${service.stopping}`);
    const timer = setTimeout(() => {
      logger.error({ graceMs, ...service.unfinishedCounts?.() }, `grace period over; exiting with ${service.unfinished}`);
      proc.exit(1);
    }, graceMs);
    timer.unref();
    const msLeft = (): number => Math.max(0, graceMs - (Date.now() - startedAt));
    void stopInOrder(service, msLeft, flushTelemetry, options.name).then((code) => {
      clearTimeout(timer);
      proc.exit(code);
    });
  };
  for (const signal of SIGNALS) proc.on(signal, stop);
  // Only now: a primary may send SIGTERM as soon as it hears of the start.
  (options.announceStarted ?? announceStartedToPrimary)();
}

function announceStartedToPrimary(): void {
  if (cluster.isWorker) process.send?.(WORKER_READY_MESSAGE);
}

/** The service's own stop, then the telemetry flush (also after a failed stop); resolves to the exit code. */
async function stopInOrder(service: StartedService, msLeft: () => number, flushTelemetry: () => Promise<void>, name: string): Promise<number> {
  let code = 0;
  try {
    await service.stop({ msLeft });
    service.logger.info(`${name} stopped`);
  } catch (error) {
    service.logger.error({ error: { name: error instanceof Error ? error.name : 'unknown', message: error instanceof Error ? error.message : String(error) } }, 'error while shutting down');
    code = 1;
  }
  try {
    await flushTelemetry();
  } catch (error) {
    service.logger.warn({ error: { message: error instanceof Error ? error.message : String(error) } }, 'telemetry flush failed');
  }
  return code;
}
