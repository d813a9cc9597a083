/**
 * Starts an app's real entry file in a child process, as production does, and waits until its
 * health route answers. Its stdout and stderr are kept for assertions and failure messages.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { Agent, request } from 'undici';
import { waitFor } from '../../proxy/support/proxy-harness.js';

export interface ServiceProcess {
  child: ChildProcess;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  /** Everything written so far, stdout and stderr interleaved. */
  output(): string;
}

/** Boot of a cluster of tsx processes on a busy two-core machine takes a while. */
const BOOT_TIMEOUT_MS = 120_000;

export async function startServiceProcess(entry: string, env: Record<string, string>, healthUrl: string, args: string[] = []): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@byok/source', entry, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: string[] = [];
  child.stdout?.on('data', (chunk) => chunks.push(String(chunk)));
  child.stderr?.on('data', (chunk) => chunks.push(String(chunk)));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const output = () => chunks.join('');
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`${entry} exited (${child.exitCode}) before it served:\n${output()}`);
      return (await statusOnFreshConnection(healthUrl)) === 200;
    },
    BOOT_TIMEOUT_MS,
    `${entry} to serve`,
  );
  return { child, exited, output };
}

/**
 * A request on a connection of its own. Cluster workers take connections in turn, so successive
 * calls of this reach every worker of the port.
 */
export async function onFreshConnection(url: string, options: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const agent = new Agent({ pipelining: 0 });
  try {
    const res = await request(url, { method: options.method ?? 'GET', headers: options.headers ?? {}, dispatcher: agent, ...(options.body === undefined ? {} : { body: options.body }) });
    return { status: res.statusCode, body: await res.body.text(), headers: res.headers };
  } finally {
    await agent.close();
  }
}

async function statusOnFreshConnection(url: string): Promise<number | undefined> {
  try {
    return (await onFreshConnection(url)).status;
  } catch {
    return undefined;
  }
}
