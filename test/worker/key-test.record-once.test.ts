import { type KeyTestRecordInput, type KeyTestRecordResult, recordKeyTestsOnce } from '@byok/db';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeKey } from '@byok/mock-providers';
import { waitFor } from '../proxy/support/proxy-harness.js';
import { keyTestResult } from './support/key-test-result.js';
import { startWorkerHarness, type WorkerHarness } from './support/worker-harness.js';

/**
 * The single statement that records a key test: both the status and the audit record, or neither,
 * also when another run of the job or a save of the key gets there first.
 */
describe('recording a key test once', () => {
  let h: WorkerHarness;
  beforeAll(async () => {
    h = await startWorkerHarness('worker_record_once');
  });
  afterAll(() => h.close());

  const em = () => h.runtime.orm.em.fork();
  /** One job's result as a batch of one, the way the worker sends a job alone. */
  const recordKeyTestOnce = async (input: KeyTestRecordInput): Promise<KeyTestRecordResult | undefined> => (await recordKeyTestsOnce(em(), [input]))[0];
  const newKey = (seed: string) => h.insertKey({ userId: `record-${seed}`, provider: 'groq', apiKey: fakeKey('groq', 'valid', seed) });

  it('two runs of one job racing: one writes status and audit record, the other writes nothing', async () => {
    const key = await newKey('race');
    const outcomes = await Promise.all([recordKeyTestOnce(keyTestResult(key, 'race-job', 'first')), recordKeyTestOnce(keyTestResult(key, 'race-job', 'second'))]);
    expect(outcomes.map((o) => o?.outcome).sort()).toEqual(['already_recorded', 'written']);
    const winner = outcomes[0]?.outcome === 'written' ? 'first' : 'second';
    expect(await h.auditOf(key.id)).toMatchObject([{ idempotency_key: 'race-job', details: { message: winner } }]);
    expect(await h.keyRow(key.id)).toMatchObject({ test_status: 'valid', last_test_message: winner });
    expect(outcomes.find((o) => o?.outcome === 'written')).toEqual({ outcome: 'written', previous: { testStatus: 'testing', validationOutcome: null } });
  });

  it('a key at another version gets neither write', async () => {
    const key = await newKey('version');
    expect(await recordKeyTestOnce(keyTestResult(key, 'version-job', 'old version', 2))).toEqual({ outcome: 'changed' });
    expect(await h.auditOf(key.id)).toEqual([]);
    expect((await h.keyRow(key.id)).test_status).toBe('testing');
  });

  describe('a save that holds the key while the result is written', () => {
    let client: pg.Client;
    beforeAll(async () => {
      client = new pg.Client({ connectionString: h.db.url });
      await client.connect();
    });
    afterAll(() => client.end());

    /** Runs `change` in an open transaction, records a result meanwhile, then commits the change. */
    async function recordWhileHeld(key: { id: string; userId: string }, change: string, idempotencyKey: string) {
      await client.query('BEGIN');
      await client.query(change, [key.id]);
      const recording = recordKeyTestOnce(keyTestResult(key, idempotencyKey, 'during the save'));
      await waitFor(async () => (await h.db.sql(`SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`, [h.db.name])).length > 0, 5000, 'the write to wait for the row');
      await client.query('COMMIT');
      return recording;
    }

    it('a replacement committed meanwhile wins: no status, no audit record', async () => {
      const key = await newKey('replaced');
      const outcome = await recordWhileHeld(key, "UPDATE user_provider_keys SET key_version = key_version + 1, test_status = 'testing' WHERE id = $1", 'replaced-job');
      expect(outcome).toEqual({ outcome: 'changed' });
      expect(await h.auditOf(key.id)).toEqual([]);
      expect(await h.keyRow(key.id)).toMatchObject({ key_version: 2, test_status: 'testing', last_test_message: null });
    });

    it('a change that keeps the version (disabling the key) is kept, and the result lands on top of it', async () => {
      const key = await newKey('disabled');
      const outcome = await recordWhileHeld(key, 'UPDATE user_provider_keys SET enabled = FALSE WHERE id = $1', 'disabled-job');
      expect(outcome).toMatchObject({ outcome: 'written' });
      expect(await h.auditOf(key.id)).toHaveLength(1);
      const [row] = await h.db.sql<{ enabled: boolean; test_status: string }>('SELECT enabled, test_status FROM user_provider_keys WHERE id = $1', [key.id]);
      expect(row).toEqual({ enabled: false, test_status: 'valid' });
    });
  });
});
