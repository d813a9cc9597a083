import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeKey } from '@byok/mock-providers';
import { sleep, startWorkerHarness, type WorkerHarness } from './support/worker-harness.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A worker process as production runs it, with its stdout and stderr kept for assertions. */
interface WorkerProcess {
  child: ChildProcess;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function spawnWorker(env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@byok/source', 'apps/worker/src/main.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, output, exited };
}

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe('a worker process killed mid-job', () => {
  let h: WorkerHarness;
  const children: WorkerProcess[] = [];
  beforeAll(async () => {
    h = await startWorkerHarness('worker_crash', { slowDelayMs: 2500 });
    // Counts every write of a final result onto a key, so the test can see duplicates that a
    // later write would hide.
    await h.db.sql('CREATE TABLE test_status_writes (key_id uuid, status text, at timestamptz DEFAULT clock_timestamp())');
    await h.db.sql(`CREATE FUNCTION test_count_status_write() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO test_status_writes (key_id, status) VALUES (NEW.id, NEW.test_status); RETURN NEW; END $$`);
    await h.db.sql(`CREATE TRIGGER test_count_status_write AFTER UPDATE ON user_provider_keys FOR EACH ROW
      WHEN (NEW.last_tested_at IS DISTINCT FROM OLD.last_tested_at) EXECUTE FUNCTION test_count_status_write()`);
  });
  afterAll(async () => {
    for (const w of children) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await Promise.all(children.map((w) => w.exited));
    await h.close();
  });

  it('is taken over by a fresh worker: one final status write and one audit record', { timeout: 240_000 }, async () => {
    const env = { ...h.env, LOG_LEVEL: 'info', WORKER_LOCK_DURATION_MS: '1000', WORKER_STALLED_INTERVAL_MS: '500', SHUTDOWN_GRACE_MS: '5000' };
    const apiKey = fakeKey('openai', 'slow', 'crash');
    const key = await h.insertKey({ userId: 'crash-user', provider: 'openai', apiKey });
    const jobId = await h.enqueueTest(key);

    const first = spawnWorker(env);
    children.push(first);
    // Each spawned worker boots tsx first: seconds on a quiet machine, a minute and more at a load of 20.
    await waitUntil(() => h.callsWith(apiKey).length === 1, 90_000, 'the first worker to call the provider');
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    expect((await h.keyRow(key.id)).test_status).toBe('testing');

    const second = spawnWorker(env);
    children.push(second);
    const job = await h.waitForJob(jobId, 90_000);
    expect(job).toMatchObject({ state: 'completed', returnvalue: { status: 'valid', outcome: 'valid' } });

    const calls = h.callsWith(apiKey);
    expect(calls).toHaveLength(2);
    expect(calls[0]?.aborted).toBe(true);
    expect(await h.db.sql('SELECT status FROM test_status_writes WHERE key_id = $1', [key.id])).toEqual([{ status: 'valid' }]);
    expect(await h.auditOf(key.id)).toHaveLength(1);
    expect((await h.keyRow(key.id)).test_status).toBe('valid');

    // A graceful stop: SIGTERM lets the second worker finish and exit 0.
    second.child.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
    const output = [...first.output, ...second.output].join('');
    expect(output).toContain('"msg":"key tested"');
    expect(output).toContain('"msg":"worker stopped"');
    expect(output).not.toContain(apiKey);
  });
});
