import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../support/free-port.js';

/**
 * A Postgres server of the test's own (initdb in a temp folder, trust auth, on a free port), that
 * the test may stop and start again on the same port and data. The shared server is never touched.
 * Postgres refuses to run as root, so under root the server runs as the `postgres` user.
 */
export interface ThrowawayPostgres {
  port: number;
  /** URL of `database` on this server (default `postgres`). */
  url(database?: string): string;
  /** Fast shutdown (SIGINT: connections are cut, nothing acknowledged is lost); resolves once it exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data, and waits until it accepts connections. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'faults-pg-'));
  const data = join(dir, 'data');
  const runAs = process.getuid?.() === 0 ? postgresUser() : undefined;
  if (runAs) chownSync(dir, runAs.uid, runAs.gid);
  execFileSync('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], { stdio: 'ignore', ...(runAs ?? {}) });
  let child: ChildProcess | undefined;
  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;

  const start = async () => {
    child = spawn('postgres', ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=100'], {
      stdio: 'ignore',
      ...(runAs ?? {}),
    });
    const started = Date.now();
    for (;;) {
      const client = new pg.Client({ connectionString: url() });
      client.on('error', () => undefined);
      const ok = await client.connect().then(
        () => client.end().then(() => true),
        () => false,
      );
      if (ok) return;
      if (Date.now() - started > 20_000) throw new Error(`postgres did not start on ${port}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGINT');
    });
  };
  await start();
  return {
    port,
    url,
    stop,
    start,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresUser(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}
