import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../../support/free-port.js';

/**
 * A redis-server of the test's own, as a child process on a free port, that the test may kill and
 * start again on the same port. It writes an append-only file with fsync on every write, so a
 * SIGKILL loses nothing that Redis acknowledged — a restart, not a wipe. The shared server is never
 * touched.
 */
export interface ThrowawayRedis {
  port: number;
  url: string;
  /** SIGKILL, and wait for the process to be gone. */
  kill(): Promise<void>;
  /** Start again on the same port and data folder, and wait until it answers PING. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startThrowawayRedis(): Promise<ThrowawayRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'faults-redis-'));
  let child: ChildProcess | undefined;

  const start = async () => {
    // Starting while the server runs would spawn a second one that fails to bind and replace the
    // handle to the first, which then outlives the test: start only what is stopped.
    if (child && child.exitCode === null && child.signalCode === null) return;
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--daemonize', 'no', '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' });
    const started = Date.now();
    for (;;) {
      const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => undefined);
      const ok = await probe.connect().then(() => probe.ping()).then(() => true, () => false);
      probe.disconnect();
      if (ok) return;
      if (Date.now() - started > 10_000) {
        await kill();
        throw new Error(`redis-server did not start on ${port}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const kill = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGKILL');
    });
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    start,
    async close() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

