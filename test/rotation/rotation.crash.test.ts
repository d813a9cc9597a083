import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoredKeyring, generateKey, keyFingerprint } from '@byok/crypto';
import { ENCRYPTION_ROTATED_ACTION, rotateEncryption } from '@byok/worker';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { dropTestRedisPrefixes, gatewayEnv, openAll, openTestRuntime, plaintextFor, readRows, runChild, seedRows, testRedisPrefix, waitUntil, type ChildRun } from './support/rotation-fixtures.js';

const OLD = generateKey();
const NEW = generateKey();
const ROWS = 5000;
const BATCH = 100;

interface Progress {
  cursor_id: string | null;
  scanned: string;
  rotated: string;
  finished_at: Date | null;
}

describe('a rotation killed mid-run', () => {
  let db: TestDatabase;
  const children: ChildRun[] = [];
  beforeAll(async () => {
    db = await createTestDatabase('rotation_crash');
    await seedRows(db, createStoredKeyring([OLD]), { count: ROWS, style: 'legacy' });
  }, 120_000);
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    await db.drop();
    await dropTestRedisPrefixes();
  });

  const progress = async (): Promise<Progress | undefined> => (await db.sql<Progress>('SELECT cursor_id, scanned, rotated, finished_at FROM encryption_rotations'))[0];

  it('resumes after the last committed batch when rerun, and completes with nothing lost or done twice', { timeout: 120_000 }, async () => {
    const env = gatewayEnv(db, [NEW, OLD], testRedisPrefix('rotation_crash'));
    // The operator's command, in its own process, slowed down so it can be killed half-way.
    const first = runChild('scripts/keys-rotate.ts', ['--inline', '--batch-size', String(BATCH), '--pause-ms', '40', '--requested-by', 'crash-test'], env);
    children.push(first);
    await waitUntil(async () => Number((await progress())?.scanned ?? 0) >= 10 * BATCH, 60_000, 'ten committed batches');
    first.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');

    const cut = await progress();
    expect(cut?.finished_at).toBeNull();
    const committed = Number(cut?.scanned);
    expect(committed % BATCH).toBe(0);
    expect(committed).toBeLessThan(ROWS);
    // Exactly the committed batches are under the new key; a batch cut off mid-transaction rolled back.
    const underNew = await db.sql<{ n: string }>('SELECT count(*) AS n FROM user_provider_keys WHERE key_fingerprint = $1', [keyFingerprint(NEW)]);
    expect(Number(underNew[0]?.n)).toBe(committed);
    expect(Number(cut?.rotated)).toBe(committed);
    // Nothing is lost meanwhile: the rows are readable with both keys configured, as the services run.
    expect(openAll(await readRows(db), [NEW, OLD]).size).toBe(ROWS);

    const t = await openTestRuntime(db, [NEW, OLD]);
    try {
      const result = await rotateEncryption({ orm: t.runtime.orm, keyring: t.runtime.keyring, logger: t.runtime.logger, requestedBy: 'crash-test-rerun', batchSize: 500 });
      // The counts cover the whole rotation, killed run included: every row rotated exactly once.
      expect(result).toMatchObject({ resumed: true, scanned: ROWS, rotated: ROWS, alreadyCurrent: 0, conflicts: 0, undecryptable: 0 });
    } finally {
      await t.runtime.close();
    }
    const plaintexts = openAll(await readRows(db), [NEW]);
    expect(plaintexts.size).toBe(ROWS);
    for (let n = 0; n < ROWS; n += 1) expect(plaintexts.get(`rot-user-${n}`)).toBe(plaintextFor(n));

    const audits = await db.sql<{ action: string; details: Record<string, unknown> }>('SELECT action, details FROM audit_log ORDER BY id');
    // The script's start record, then one finish record for the whole rotation.
    expect(audits.map((a) => a.action)).toEqual(['encryption.rotation_started', ENCRYPTION_ROTATED_ACTION]);
    expect(audits[1]?.details).toMatchObject({ rotated: ROWS, scanned: ROWS, requested_by: 'crash-test' });
  });
});
