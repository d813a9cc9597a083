import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeKey } from '@byok/mock-providers';
import { startWorkerHarness, type FinishedJob, type WorkerHarness } from '../worker/support/worker-harness.js';
import { sleep, waitFor } from './support/fault-stack.js';

/**
 * Real worker processes (apps/worker/src/main.ts) are SIGKILLed KILLS times while 20 slow key tests
 * (the mock's `slow` scenario) run; a fresh worker is started after each kill and the last one runs
 * to the end. Every job must end exactly once: one final status write per key (counted by a
 * trigger, so a second write that a later one hides is still seen) and one `key.tested` audit
 * record per key.
 */
const JOBS = 20;
const KILLS = 5;
const SLOW_MS = 1500;
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface WorkerProcess {
  child: ChildProcess;
  exited: Promise<unknown>;
}

let h: WorkerHarness;
/** What the run left behind, for the second test (tests of one file run in order). */
let outcome: { finished: FinishedJob[]; statuses: Array<{ test_status: string; n: number }> } | undefined;
const children: WorkerProcess[] = [];
beforeAll(async () => {
  h = await startWorkerHarness('faults_worker_kills', { slowDelayMs: SLOW_MS });
  await h.db.sql('CREATE TABLE test_status_writes (key_id uuid, status text, at timestamptz DEFAULT clock_timestamp())');
  await h.db.sql(`CREATE FUNCTION test_count_status_write() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN INSERT INTO test_status_writes (key_id, status) VALUES (NEW.id, NEW.test_status); RETURN NEW; END $$`);
  await h.db.sql(`CREATE TRIGGER test_count_status_write AFTER UPDATE ON user_provider_keys FOR EACH ROW
    WHEN (NEW.last_tested_at IS DISTINCT FROM OLD.last_tested_at) EXECUTE FUNCTION test_count_status_write()`);
});
afterAll(async () => {
  for (const w of children) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  await Promise.all(children.map((w) => w.exited));
  await h?.close();
});

function spawnWorker(env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@byok/source', 'apps/worker/src/main.ts'], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const w = { child, exited };
  children.push(w);
  return w;
}

describe(`a worker SIGKILLed ${KILLS} times during provider calls across ${JOBS} jobs`, () => {
  it('never ends a job twice: at most one status write and one audit record per key', { timeout: 170_000 }, async () => {
    const env = { ...h.env, LOG_LEVEL: 'warn', WORKER_CONCURRENCY: '4', WORKER_LOCK_DURATION_MS: '1000', WORKER_STALLED_INTERVAL_MS: '500', SHUTDOWN_GRACE_MS: '5000' };
    const keys = [];
    const jobIds: string[] = [];
    for (let i = 0; i < JOBS; i++) {
      const apiKey = fakeKey('openai', 'slow', `kill-${i}`);
      const key = await h.insertKey({ userId: `kill-user-${i}`, provider: 'openai', apiKey });
      keys.push(key);
      jobIds.push(await h.enqueueTest(key));
    }
    const providerCalls = () => h.mock.calls({ provider: 'openai' }).length;

    const started = Date.now();
    for (let kill = 0; kill < KILLS; kill++) {
      const before = providerCalls();
      const w = spawnWorker(env);
      // Kill while the new worker is in the middle of provider calls (the mock holds each SLOW_MS).
      await waitFor(() => providerCalls() > before, 60_000, `worker ${kill + 1} to call the provider`);
      await sleep(SLOW_MS / 2);
      w.child.kill('SIGKILL');
      await w.exited;
    }
    spawnWorker(env);
    const finished: FinishedJob[] = [];
    for (const id of jobIds) finished.push(await h.waitForJob(id, 120_000));
    const elapsedMs = Date.now() - started;

    const failed = finished.filter((j) => j.state === 'failed').map((j) => j.failedReason);
    const writes = await h.db.sql<{ key_id: string; n: number }>('SELECT key_id::text, count(*)::int AS n FROM test_status_writes GROUP BY key_id');
    const audits = await h.db.sql<{ key_id: string; n: number }>("SELECT key_id::text, count(*)::int AS n FROM audit_log WHERE action = 'key.tested' GROUP BY key_id");
    const statuses = await h.db.sql<{ test_status: string; n: number }>('SELECT test_status, count(*)::int AS n FROM user_provider_keys GROUP BY test_status');
    console.info(`worker kills: ${KILLS} kills, ${JOBS} jobs, ${providerCalls()} provider calls, done in ${elapsedMs} ms; failed ${JSON.stringify(failed)}; statuses ${JSON.stringify(statuses)}`);
    outcome = { finished, statuses };
    for (const w of writes) expect(w.n, `status writes of ${w.key_id}`).toBe(1);
    for (const a of audits) expect(a.n, `audit records of ${a.key_id}`).toBe(1);
    // Every completed job wrote exactly once; a key without a write belongs to a failed job.
    expect(writes).toHaveLength(finished.filter((j) => j.state === 'completed').length);
    expect(audits).toHaveLength(writes.length);
  });

  // A job taken over from crashed workers several times still ends once (maxStalledCount in the key-test worker).
  it('completes every job: each key gets its one status write and its one audit record', () => {
    expect(outcome).toBeDefined();
    const finished = outcome?.finished ?? [];
    expect(finished.filter((j) => j.state === 'failed').map((j) => j.failedReason)).toEqual([]);
    expect(finished).toHaveLength(JOBS);
    expect(outcome?.statuses).toEqual([{ test_status: 'valid', n: JOBS }]);
  });
});
