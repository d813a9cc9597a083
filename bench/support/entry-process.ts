/**
 * Runs an app's real entry file in a child process exactly as production does:
 *   node --import tsx --conditions=@byok/source --import ./libs/telemetry/src/instrument.ts <entry>
 * so a benchmark measures the same bootstrap (telemetry on or off by environment alone). Ready
 * when `readyUrl` answers 200. CPU time is read from /proc, which works whatever the child logs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** Linux clock ticks per second (`getconf CLK_TCK`), the unit of /proc/<pid>/stat times. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface EntryProcess {
  process: ChildProcess;
  /** User + system CPU time the child has used so far, in ms (10 ms resolution). */
  cpuMs(): number;
  /** SIGTERM (the entry's graceful shutdown), SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

/** `nodeArgs` go before the production flags, e.g. `['--cpu-prof', '--cpu-prof-dir=/tmp/prof']` to profile the run. */
export async function startEntryProcess(entry: string, env: Record<string, string>, readyUrl: string, options: { timeoutMs?: number; nodeArgs?: string[] } = {}): Promise<EntryProcess> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', '--conditions=@byok/source', '--import', './libs/telemetry/src/instrument.ts', entry], {
    cwd: repoRoot,
    env,
    // The app logs every request at info: to /dev/null, as a container's log driver would take it off the process.
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${entry} exited (${child.exitCode}) before it was ready: ${stderr}`);
    if (await answers(readyUrl)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${entry} was not ready within ${timeoutMs} ms: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    process: child,
    cpuMs: () => cpuMsOf(child.pid),
    stop: (stopTimeoutMs = 15_000) =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
        child.once('exit', () => {
          clearTimeout(timer);
          done();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** A port nobody listens on right now (the entry files take their port from the environment). */

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url);
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

function cpuMsOf(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  // Fields after the `(comm)` part: state is field 3, utime 14 and stime 15 (1-based).
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}
