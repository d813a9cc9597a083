import { loadKeysForTest, recordKeyTestsOnce } from '@byok/db';
import { createKeyTestStatements, type KeyTestStatements } from '@byok/worker';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeKey } from '@byok/mock-providers';
import { waitFor } from '../proxy/support/proxy-harness.js';
import { keyTestResult } from './support/key-test-result.js';
import { startWorkerHarness, type WorkerHarness } from './support/worker-harness.js';

/**
 * The key-test statements shared by the jobs in flight: a batch keeps every job's guarantees (a
 * replaced key gets nothing, one status write and one audit record per job, both or neither), and
 * one job's trouble stays its own.
 */
describe('key-test batches', () => {
  let h: WorkerHarness;
  let client: pg.Client;
  let statements: KeyTestStatements;
  beforeAll(async () => {
    h = await startWorkerHarness('worker_batches');
    client = new pg.Client({ connectionString: h.db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await h.close();
  });
  beforeEach(() => {
    statements = createKeyTestStatements(h.runtime.orm, h.runtime.logger);
  });

  const em = () => h.runtime.orm.em.fork();
  const newKey = (seed: string) => h.insertKey({ userId: `batch-${seed}`, provider: 'groq', apiKey: fakeKey('groq', 'valid', seed) });
  const lockWaits = async (): Promise<number> =>
    (await h.db.sql(`SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`, [h.db.name])).length;

  /**
   * Holds two keys' rows in an open transaction and sends their results, so the statements' batches
   * in flight (two at most) wait on the rows; what `submit` sends meanwhile is batched together and
   * runs once `release` commits.
   */
  async function whileBatchesWait<T>(seed: string, submit: () => T): Promise<{ submitted: T; release: () => Promise<void> }> {
    const blockers = [await newKey(`${seed}-blocker-1`), await newKey(`${seed}-blocker-2`)];
    await client.query('BEGIN');
    await client.query('SELECT 1 FROM user_provider_keys WHERE id = ANY($1::uuid[]) FOR UPDATE', [blockers.map((k) => k.id)]);
    const blocked = blockers.map((k) => statements.record(keyTestResult(k, `${seed}-blocker-${k.id}`, 'blocker')));
    await waitFor(async () => (await lockWaits()) >= 2, 5000, 'both batches to wait for the held rows');
    const submitted = submit();
    return {
      submitted,
      async release() {
        await client.query('COMMIT');
        await Promise.all(blocked);
      },
    };
  }

  it('loads a batch: each job gets its own key, mark and recorded result, in order', async () => {
    const manual = await newKey('load-manual');
    await h.db.sql(`UPDATE user_provider_keys SET test_status = 'invalid' WHERE id = $1`, [manual.id]);
    const plain = await newKey('load-plain');
    const done = await newKey('load-done');
    await recordKeyTestsOnce(em(), [keyTestResult(done, 'load-done-job', 'earlier run')]);
    const input = (key: typeof manual, idempotencyKey: string, markTesting: boolean) => ({ ...key, keyId: key.id, idempotencyKey, markTesting });
    const loaded = await loadKeysForTest(em(), [
      input(manual, 'load-manual-job', true),
      { ...input(plain, 'load-plain-job', false), keyId: '00000000-0000-4000-8000-000000000000' },
      input(plain, 'load-plain-job', false),
      input(done, 'load-done-job', true),
    ]);
    expect(loaded.map((k) => k && { id: k.id, testStatus: k.testStatus, markedTesting: k.markedTesting, recorded: k.recorded })).toEqual([
      { id: manual.id, testStatus: 'invalid', markedTesting: true, recorded: null },
      null,
      { id: plain.id, testStatus: 'testing', markedTesting: false, recorded: null },
      { id: done.id, testStatus: 'valid', markedTesting: false, recorded: { message: 'earlier run' } },
    ]);
    expect((await h.keyRow(manual.id)).test_status).toBe('testing');
  });

  it('a key replaced while its batch waits for the row: that job writes nothing, the others write', async () => {
    const replaced = await newKey('replaced');
    const kept = await newKey('kept');
    const gone = await newKey('gone');
    await h.db.sql('DELETE FROM user_provider_keys WHERE id = $1', [gone.id]);
    await client.query('BEGIN');
    await client.query("UPDATE user_provider_keys SET key_version = key_version + 1, test_status = 'testing' WHERE id = $1", [replaced.id]);
    const recording = recordKeyTestsOnce(em(), [keyTestResult(kept, 'kept-job', 'kept'), keyTestResult(replaced, 'replaced-job', 'replaced'), keyTestResult(gone, 'gone-job', 'gone')]);
    await waitFor(async () => (await lockWaits()) > 0, 5000, 'the batch to wait for the replaced row');
    await client.query('COMMIT');
    expect((await recording).map((r) => r.outcome)).toEqual(['written', 'changed', 'changed']);
    expect(await h.auditOf(replaced.id)).toEqual([]);
    expect(await h.keyRow(replaced.id)).toMatchObject({ key_version: 2, test_status: 'testing', last_test_message: null });
    expect(await h.auditOf(kept.id)).toMatchObject([{ idempotency_key: 'kept-job' }]);
    expect(await h.keyRow(kept.id)).toMatchObject({ test_status: 'valid', last_test_message: 'kept' });
  });

  it('refuses a batch holding two jobs for one key', async () => {
    const key = await newKey('twice-direct');
    // Postgres reads a uuid in either case, so the spelling does not make it another key.
    const sameKeyUpperCase = { ...key, id: key.id.toUpperCase() };
    await expect(recordKeyTestsOnce(em(), [keyTestResult(key, 'twice-1', 'one'), keyTestResult(sameKeyUpperCase, 'twice-2', 'two')])).rejects.toThrow(/two jobs for the same key/);
  });

  it('two jobs for one key waiting together go in separate batches, and each writes once', async () => {
    const key = await newKey('same');
    const other = await newKey('same-other');
    const { submitted, release } = await whileBatchesWait('same', () => [
      statements.record(keyTestResult(key, 'same-job-1', 'first')),
      statements.record(keyTestResult(other, 'same-other-job', 'other')),
      statements.record(keyTestResult(key, 'same-job-2', 'second')),
    ]);
    await release();
    const [first, , second] = await Promise.all(submitted);
    expect(first).toEqual({ outcome: 'written', previous: { testStatus: 'testing', validationOutcome: null } });
    // The second ran after the first had committed, so it saw the first's result.
    expect(second).toEqual({ outcome: 'written', previous: { testStatus: 'valid', validationOutcome: 'valid' } });
    expect((await h.auditOf(key.id)).map((a) => a.idempotency_key)).toEqual(['same-job-1', 'same-job-2']);
    expect((await h.keyRow(key.id)).last_test_message).toBe('second');
    expect(await h.auditOf(other.id)).toHaveLength(1);
  });

  it('two runs of one job in flight at once: one status write and one audit record', async () => {
    const key = await newKey('race');
    const outcomes = await Promise.all([statements.record(keyTestResult(key, 'race-job', 'first')), statements.record(keyTestResult(key, 'race-job', 'second'))]);
    expect(outcomes.map((o) => o.outcome)).toEqual(['written', 'already_recorded']);
    expect(await h.auditOf(key.id)).toMatchObject([{ idempotency_key: 'race-job', details: { message: 'first' } }]);
  });

  it('a job Postgres refuses fails alone: the rest of its batch is written', async () => {
    const keys = [await newKey('bad-1'), await newKey('bad-2'), await newKey('bad-3')];
    const { submitted, release } = await whileBatchesWait('bad', () =>
      // A NUL character is text Postgres cannot store (22021): the whole statement fails with it.
      keys.map((key, i) => statements.record(keyTestResult(key, `bad-job-${i}`, i === 1 ? 'nul \u0000 here' : `fine ${i}`))),
    );
    await release();
    const outcomes = await Promise.allSettled(submitted);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(outcomes[1]).toMatchObject({ reason: { code: '22021' } });
    expect(h.logs.some((line) => line.includes('key-test batch failed') && line.includes('"size":3'))).toBe(true);
    expect(await Promise.all(keys.map(async (k) => (await h.auditOf(k.id)).length))).toEqual([1, 0, 1]);
    expect(await Promise.all(keys.map(async (k) => (await h.keyRow(k.id)).test_status))).toEqual(['valid', 'testing', 'valid']);
  });
});
