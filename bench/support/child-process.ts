/**
 * The small protocol between the proxy benchmark and its server processes: a child prints one
 * `READY <json>` line when it listens, and stops cleanly on SIGTERM (so `--cpu-prof` profiles are
 * written). The parent spawns with `node --import tsx --conditions=@byok/source`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const READY = 'READY ';

export function announceReady(info: Record<string, unknown>): void {
  // The parent asks for CPU time over IPC, to compute CPU per request whatever else the machine runs.
  process.on('message', (message) => {
    if (message === 'cpu') process.send?.({ cpu: process.cpuUsage() });
  });
  process.stdout.write(`${READY}${JSON.stringify(info)}\n`);
}

export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is required`);
  return value;
}

export function stopOnSignal(stop: () => Promise<unknown>): void {
  const handler = () => {
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
}

export interface Child<T> {
  info: T;
  process: ChildProcess;
  /** User + system CPU time the child has used so far, in ms. */
  cpuMs(): Promise<number>;
  /** The same split into user and system (kernel) time, in ms. */
  cpuSplitMs(): Promise<{ userMs: number; systemMs: number }>;
  /** SIGTERM, then waits for the exit (SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Starts `script` in its own Node process and resolves with what it announced. `cwd` runs it from
 * another checkout of the repository (a "before" build to compare with).
 */
export function startChild<T>(script: string, env: Record<string, string>, nodeArgs: string[] = [], cwd?: string): Promise<Child<T>> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', '--conditions=@byok/source', script], {
    ...(cwd !== undefined ? { cwd } : {}),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const stdout = child.stdout;
  if (stdout === null) throw new Error('the child has no stdout pipe');
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: stdout });
    const onExit = (code: number | null) => reject(new Error(`${script} exited (${code}) before it was ready`));
    child.once('exit', onExit);
    lines.on('line', (line) => {
      if (!line.startsWith(READY)) return;
      child.off('exit', onExit);
      const cpuSplitMs = () =>
        new Promise<{ userMs: number; systemMs: number }>((answer) => {
          child.once('message', (message) => {
            const cpu = (message as { cpu?: { user: number; system: number } }).cpu;
            answer(cpu ? { userMs: cpu.user / 1000, systemMs: cpu.system / 1000 } : { userMs: Number.NaN, systemMs: Number.NaN });
          });
          child.send('cpu');
        });
      resolve({
        info: JSON.parse(line.slice(READY.length)) as T,
        process: child,
        cpuMs: async () => {
          const { userMs, systemMs } = await cpuSplitMs();
          return userMs + systemMs;
        },
        cpuSplitMs,
        stop: (timeoutMs = 10_000) =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
            child.once('exit', () => {
              clearTimeout(timer);
              done();
            });
            child.kill('SIGTERM');
          }),
      });
    });
  });
}
