import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A documented command started the way a person types it (through the shell, in the repository root). */
export interface StartedCommand {
  /** Everything printed so far, stdout and stderr interleaved. */
  output(): string;
  /** Resolves once the output contains `marker`; rejects when the command exits first or time runs out. */
  waitFor(marker: string | RegExp, timeoutMs: number): Promise<void>;
  /** Sends SIGTERM to the command's process group and resolves with its exit code. */
  stop(): Promise<number | null>;
  exited: Promise<number | null>;
}

export function startCommand(command: string, env: Record<string, string>, cwd: string = REPO_ROOT): StartedCommand {
  // Its own process group, so stopping it reaches npm's child (the node process) too.
  const child = spawn('sh', ['-c', command], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let text = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer): void => {
    text += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => {
    done = true;
    for (const listener of listeners) listener();
  });
  return {
    output: () => text,
    exited,
    waitFor(marker, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (typeof marker === 'string' ? text.includes(marker) : marker.test(text)) finish();
          else if (done) finish(new Error(`\`${command}\` exited before printing ${String(marker)}:\n${text}`));
        };
        const timer = setTimeout(() => finish(new Error(`\`${command}\` did not print ${String(marker)} within ${timeoutMs} ms:\n${text}`)), timeoutMs);
        const finish = (error?: Error): void => {
          clearTimeout(timer);
          listeners.delete(check);
          if (error) reject(error);
          else resolve();
        };
        listeners.add(check);
        check();
      });
    },
    async stop() {
      if (!done && child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
      return exited;
    },
  };
}

/** Runs a documented command to its end; returns its exit code and output. */
export async function runCommand(command: string, env: Record<string, string>, cwd: string = REPO_ROOT): Promise<{ code: number | null; output: string }> {
  const started = startCommand(command, env, cwd);
  const code = await started.exited;
  return { code, output: started.output() };
}
