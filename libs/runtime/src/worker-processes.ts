import cluster, { type Worker } from 'node:cluster';
import type { ServiceLogger, StartedService } from './run-service.js';

/** What a worker process sends its primary once its service has started (see `runService`). */
export const WORKER_READY_MESSAGE = 'byok:service-ready';

/** The environment variable that tells a worker process which group it belongs to. */
export const WORKER_ROLE_VARIABLE = 'BYOK_WORKER_ROLE';

/** Processes of one kind, forked by the primary. */
export interface WorkerGroup {
  /** Names the processes in log lines and in `BYOK_WORKER_ROLE`, e.g. `proxy`, `http`, `background`. */
  role: string;
  /** Entry file the processes run; by default the primary's own entry file (`process.argv[1]`). */
  exec?: string;
  count: number;
}

export interface WorkerProcessesOptions {
  /** Started in this order and stopped in this order (see `stop`). */
  groups: readonly WorkerGroup[];
  logger: ServiceLogger;
}

/** The running worker processes of a primary. */
export interface WorkerProcesses {
  /** Process ids of the running workers, by role. */
  pids(): Record<string, number[]>;
  /**
   * Sends SIGTERM to every process of the first group and waits for them to exit, then the next
   * group: the HTTP servers drain before the background work behind them stops. Rejects, after all
   * have exited, naming every process that exited with a status other than 0.
   */
  stop(): Promise<void>;
}

/** Longest wait before a dead worker's replacement is forked, after repeated failures. */
const MAX_RESTART_DELAY_MS = 30_000;
const FIRST_RESTART_DELAY_MS = 1000;

/** True when this process should fork `count` workers rather than serve: more than one, and not a worker itself. */
export function isSupervisingPrimary(count: number): boolean {
  return count > 1 && cluster.isPrimary;
}

/**
 * Forks every group's processes with `node:cluster` (HTTP servers in them share their port; the
 * primary hands each new connection to the next worker) and resolves once each has announced
 * that its service started. A worker that exits before that fails the start: the others are
 * stopped and the promise rejects with the worker's role and exit code. A worker that dies later
 * is replaced (after 1 s, doubling while replacements keep dying, up to 30 s), so one crash costs
 * the requests that process held, not the port.
 */
export async function startWorkerProcesses(options: WorkerProcessesOptions): Promise<WorkerProcesses> {
  const running = new Map<Worker, WorkerGroup>();
  let stopping = false;
  let failuresInARow = 0;

  const fork = (group: WorkerGroup): Promise<Worker> => {
    cluster.setupPrimary(group.exec === undefined ? {} : { exec: group.exec });
    const worker = cluster.fork({ [WORKER_ROLE_VARIABLE]: group.role });
    running.set(worker, group);
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null, signal: string | null) => {
        running.delete(worker);
        reject(new Error(`the ${group.role} worker process exited (${code ?? signal}) before its service started`));
      };
      worker.once('exit', onExit);
      worker.on('message', (message: unknown) => {
        if (message !== WORKER_READY_MESSAGE) return;
        worker.off('exit', onExit);
        worker.once('exit', (code: number | null, signal: string | null) => onDeath(worker, group, code, signal));
        failuresInARow = 0;
        resolve(worker);
      });
    });
  };

  const onDeath = (worker: Worker, group: WorkerGroup, code: number | null, signal: string | null): void => {
    running.delete(worker);
    if (stopping) return;
    options.logger.error({ role: group.role, pid: worker.process.pid, code, signal }, 'a worker process died; starting a replacement');
    replaceLater(group);
  };

  const replaceLater = (group: WorkerGroup): void => {
    const delayMs = Math.min(MAX_RESTART_DELAY_MS, FIRST_RESTART_DELAY_MS * 2 ** failuresInARow);
    failuresInARow += 1;
    setTimeout(() => {
      if (stopping) return;
      fork(group).then(
        (replacement) => options.logger.info({ role: group.role, pid: replacement.process.pid }, 'replacement worker process started'),
        (error: unknown) => {
          options.logger.error({ role: group.role, error: { message: error instanceof Error ? error.message : String(error) } }, 'a replacement worker process failed to start; trying again');
          replaceLater(group);
        },
      );
    }, delayMs);
  };

  const stop = async (): Promise<void> => {
    stopping = true;
    const failed: string[] = [];
    for (const group of options.groups) {
      const members = [...running].filter(([, g]) => g === group).map(([worker]) => worker);
      const codes = await Promise.all(members.map((worker) => terminate(worker)));
      codes.forEach((code, i) => {
        if (code !== 0) failed.push(`${group.role} worker ${members[i]?.process.pid} exited with ${code}`);
      });
    }
    if (failed.length > 0) throw new Error(failed.join('; '));
  };

  try {
    for (const group of options.groups) await Promise.all(Array.from({ length: group.count }, () => fork(group)));
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  options.logger.info({ workers: Object.fromEntries(options.groups.map((g) => [g.role, g.count])) }, 'worker processes started');
  return {
    pids: () => {
      const byRole: Record<string, number[]> = {};
      for (const [worker, group] of running) byRole[group.role] = [...(byRole[group.role] ?? []), worker.process.pid ?? -1];
      return byRole;
    },
    stop,
  };
}

/**
 * The primary's side of `runService` when it forks workers instead of serving: starts them, and on
 * the signal stops them group by group. The primary's grace period is the workers' plus a second,
 * so a worker that runs out of time reports it (exit status 1) before the primary gives up.
 */
export async function superviseWorkerProcesses(options: WorkerProcessesOptions & { graceMs: number }): Promise<StartedService> {
  const workers = await startWorkerProcesses(options);
  return {
    logger: options.logger,
    graceMs: options.graceMs + FIRST_RESTART_DELAY_MS,
    stopping: 'stopping its worker processes, each finishing its in-flight work',
    unfinished: 'worker processes still running',
    unfinishedCounts: () => Object.fromEntries(Object.entries(workers.pids()).map(([role, pids]) => [role, pids.length])),
    stop: () => workers.stop(),
  };
}

/** SIGTERM (the worker's `runService` drains and exits); resolves to its exit code, or the signal's name. */
function terminate(worker: Worker): Promise<number | string> {
  return new Promise((resolve) => {
    if (worker.process.exitCode !== null) return resolve(worker.process.exitCode);
    worker.once('exit', (code: number | null, signal: string | null) => resolve(code ?? signal ?? 'unknown'));
    worker.process.kill('SIGTERM');
  });
}
