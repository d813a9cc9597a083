import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoredKeyring, generateKey, keyFingerprint } from '@byok/crypto';
import { startWorker, type WorkerHandle } from '@byok/worker';
import { startApiHarness, TEST_ENCRYPTION_KEY, type ApiHarness } from '../support/api-harness.js';
import { openAll, plaintextFor, readRows, seedRows, waitUntil } from './support/rotation-fixtures.js';

const NEW = generateKey();
const ROTATE = '/api/v1/admin/byok/encryption/rotate';
const STATUS = '/api/v1/admin/byok/encryption/status';

describe('admin encryption rotation endpoints', () => {
  let h: ApiHarness;
  let worker: WorkerHandle | undefined;
  beforeAll(async () => {
    h = await startApiHarness('rotation_admin', { env: { BYOK_ENCRYPTION_KEYS: `${NEW},${TEST_ENCRYPTION_KEY}` } });
    const old = createStoredKeyring([TEST_ENCRYPTION_KEY]);
    await seedRows(h.db, old, { count: 40, style: 'bound' });
    await seedRows(h.db, old, { count: 10, from: 40, style: 'legacy' });
  });
  afterAll(async () => {
    await worker?.close();
    await h.close();
  });
  const as = async (who: 'admin' | 'user') => ({ authorization: `Bearer ${await h.token(who === 'admin' ? 'root-admin' : 'alice', { admin: who === 'admin' })}` });

  it('are admin only', async () => {
    for (const [method, url] of [['POST', ROTATE], ['GET', STATUS]] as const) {
      expect((await h.app.inject({ method, url })).statusCode).toBe(401);
      expect((await h.app.inject({ method, url, headers: await as('user') })).statusCode).toBe(403);
    }
    expect(await h.db.sql(`SELECT 1 FROM audit_log WHERE action LIKE 'encryption.%'`)).toHaveLength(0);
  });

  it('status counts rows per configured key from recorded fingerprints', async () => {
    const res = await h.app.inject({ url: STATUS, headers: await as('admin') });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      keys: [
        { index: 0, fingerprint: keyFingerprint(NEW), rows: 0, untagged: 0 },
        { index: 1, fingerprint: keyFingerprint(TEST_ENCRYPTION_KEY), rows: 40, untagged: 0 },
      ],
      unknown_keys: [],
      undecryptable_rows: 0,
      unrecorded_rows: 10,
      untagged_rows: 10,
      total_rows: 50,
      rotation: null,
    });
  });

  it('rotate audits the request and enqueues one rotate-encryption job; a second request joins it', async () => {
    const first = await h.app.inject({ method: 'POST', url: ROTATE, headers: { ...(await as('admin')), 'user-agent': 'rotation-test' } });
    expect(first.statusCode, first.body).toBe(202);
    expect(first.json()).toMatchObject({ target_fingerprint: keyFingerprint(NEW) });
    const second = await h.app.inject({ method: 'POST', url: ROTATE, headers: await as('admin') });
    expect(second.json().job_id).toBe(first.json().job_id);
    const job = await h.runtime.producers.maintenance.queue.getJob(first.json().job_id);
    expect(job?.data).toEqual({ task: 'rotate-encryption', requestedBy: 'root-admin' });
    const audits = await h.db.sql<{ actor_id: string; actor_type: string; subject_user_id: string; details: Record<string, unknown> }>(
      `SELECT actor_id, actor_type, subject_user_id, details FROM audit_log WHERE action = 'encryption.rotation_started' ORDER BY id`,
    );
    expect(audits).toHaveLength(2);
    expect(audits[0]).toEqual({ actor_id: 'root-admin', actor_type: 'admin', subject_user_id: '*', details: { target_fingerprint: keyFingerprint(NEW), configured_keys: 2 } });
  });

  it('the worker runs the job; status then shows every row under the new key and the finished rotation', { timeout: 60_000 }, async () => {
    worker = await startWorker(h.runtime, { lockDurationMs: 5000, stalledIntervalMs: 5000 });
    await waitUntil(async () => (await h.db.sql(`SELECT 1 FROM encryption_rotations WHERE finished_at IS NOT NULL`)).length === 1, 30_000, 'the rotation to finish');
    const res = await h.app.inject({ url: STATUS, headers: await as('admin') });
    const body = res.json();
    expect(body).toMatchObject({
      keys: [
        { index: 0, rows: 50, untagged: 0 },
        { index: 1, rows: 0 },
      ],
      unrecorded_rows: 0,
      untagged_rows: 0,
      rotation: { target_fingerprint: keyFingerprint(NEW), state: 'finished', scanned: 50, rotated: 50, undecryptable: 0, conflicts: 0, requested_by: 'root-admin' },
    });
    const plaintexts = openAll(await readRows(h.db), [NEW]);
    for (let n = 0; n < 50; n++) expect(plaintexts.get(`rot-user-${n}`)).toBe(plaintextFor(n));
    expect(await h.db.sql(`SELECT 1 FROM audit_log WHERE action = 'encryption.rotated'`)).toHaveLength(1);
  });
});
