import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyTestJob } from '@byok/queues';
import { ABANDONED_TEST_MESSAGE, finishStuckTests, startWorker } from '@byok/worker';
import { fakeKey } from '@byok/mock-providers';
import { startWorkerHarness, type WorkerHarness } from './support/worker-harness.js';

/**
 * #19.1: a key whose test job is gone (lost with Redis's data, or failed for good while Postgres
 * was away) must not stay `testing` forever. The sweep finishes it with an audit record and asks
 * for a new test, which then records a real verdict.
 */
describe('keys stuck in testing', () => {
  let h: WorkerHarness;
  beforeAll(async () => {
    h = await startWorkerHarness('worker_stuck_tests');
  });
  afterAll(() => h.close());

  const startedAt = async (id: string) => (await h.db.sql<{ test_started_at: Date | null }>('SELECT test_started_at FROM user_provider_keys WHERE id = $1', [id]))[0]?.test_started_at ?? null;
  const backdate = (id: string, minutes: number) => h.db.sql(`UPDATE user_provider_keys SET test_started_at = now() - make_interval(mins => $2) WHERE id = $1`, [id, minutes]);

  it('stamps when a key becomes testing: on save, on a manual mark, and not again while it stays testing', async () => {
    const key = await h.insertKey({ userId: 'stamp-user', provider: 'groq', apiKey: fakeKey('groq', 'valid', 'stamp') });
    const saved = await startedAt(key.id);
    expect(saved).toBeInstanceOf(Date);
    await h.db.sql(`UPDATE user_provider_keys SET last_test_message = 'x', test_status = 'testing' WHERE id = $1`, [key.id]);
    expect(await startedAt(key.id)).toEqual(saved);
    await h.db.sql(`UPDATE user_provider_keys SET test_status = 'valid' WHERE id = $1`, [key.id]);
    await h.db.sql(`UPDATE user_provider_keys SET test_status = 'testing' WHERE id = $1`, [key.id]);
    expect((await startedAt(key.id))?.getTime()).toBeGreaterThanOrEqual(saved?.getTime() ?? 0);
  });

  it('finishes a key testing past the threshold as error with one audit record, requeues it, and leaves recent ones alone', async () => {
    const stuck = await h.insertKey({ userId: 'stuck-user', provider: 'openai', apiKey: fakeKey('openai', 'valid', 'stuck') });
    const recent = await h.insertKey({ userId: 'recent-user', provider: 'openai', apiKey: fakeKey('openai', 'valid', 'recent') });
    await backdate(stuck.id, 11);
    await backdate(recent.id, 2);
    const deps = { orm: h.runtime.orm, keyTests: h.runtime.producers.keyTests, logger: h.runtime.logger, stuckAfterMs: 10 * 60_000 };

    const first = await finishStuckTests(deps);
    expect(first.finished).toBeGreaterThanOrEqual(1);
    expect(await h.keyRow(stuck.id)).toMatchObject({ test_status: 'error', last_test_message: ABANDONED_TEST_MESSAGE });
    expect((await h.keyRow(recent.id)).test_status).toBe('testing');
    const audit = await h.auditOf(stuck.id, 'key.test_abandoned');
    expect(audit).toMatchObject([{ actor_type: 'system', details: { status: 'error', key_version: 1, stuck_after_ms: 600_000 } }]);
    const jobs = await h.runtime.producers.keyTests.queue.getJobs(['waiting']);
    expect(jobs.map((j) => j.data as KeyTestJob).filter((d) => d.keyId === stuck.id)).toMatchObject([{ reason: 'scheduled', actorId: 'system', keyVersion: 1 }]);

    // A second sweep (another worker instance) finds nothing more to do for it.
    await finishStuckTests(deps);
    expect(await h.auditOf(stuck.id, 'key.test_abandoned')).toHaveLength(1);

    // The new test records the real verdict.
    await h.startWorker();
    await expect.poll(async () => (await h.keyRow(stuck.id)).test_status, { timeout: 15_000 }).toBe('valid');
  });

  it("files an org key's abandonment into the org's audit trail", async () => {
    const [org] = await h.db.sql<{ id: string }>(`INSERT INTO byok_orgs (name, created_by) VALUES ('Stuck Org', 'stuck-owner') RETURNING id`);
    const key = await h.insertKey({ userId: `org:${org?.id}`, provider: 'groq', apiKey: fakeKey('groq', 'valid', 'stuck-org') });
    await backdate(key.id, 11);
    await finishStuckTests({ orm: h.runtime.orm, keyTests: h.runtime.producers.keyTests, logger: h.runtime.logger, stuckAfterMs: 10 * 60_000 });
    const rows = await h.db.sql<{ org_id: string | null }>(`SELECT org_id FROM audit_log WHERE key_id = $1 AND action = 'key.test_abandoned'`, [key.id]);
    expect(rows).toEqual([{ org_id: org?.id }]);
  });

  it('the worker runs the sweep on its own timer', async () => {
    const w = await startWorkerHarness('worker_stuck_timer', { env: { KEY_TEST_STUCK_AFTER_MS: '60000', KEY_TEST_SWEEP_INTERVAL_MS: '200' } });
    try {
      const key = await w.insertKey({ userId: 'timer-user', provider: 'groq', apiKey: fakeKey('groq', 'valid', 'timer') });
      await w.db.sql(`UPDATE user_provider_keys SET test_started_at = now() - interval '2 minutes' WHERE id = $1`, [key.id]);
      const handle = await startWorker(w.runtime);
      try {
        await expect.poll(async () => (await w.auditOf(key.id, 'key.test_abandoned')).length, { timeout: 10_000 }).toBe(1);
        await expect.poll(async () => (await w.keyRow(key.id)).test_status, { timeout: 15_000 }).toBe('valid');
      } finally {
        await handle.close();
      }
    } finally {
      await w.close();
    }
  });
});
