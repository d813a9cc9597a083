import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoredKeyring, generateKey, keyFingerprint } from '@byok/crypto';
import { scanStoredKeys } from '@byok/runtime';
import { ENCRYPTION_ROTATED_ACTION, rotateEncryption } from '@byok/worker';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { dropTestRedisPrefixes, openAll, openTestRuntime, plaintextFor, readRows, seedRows, type StoredRow, type TestRuntime } from './support/rotation-fixtures.js';

const OLD = generateKey();
const NEW = generateKey();
const ROWS = 5000;
/** Fernet's timestamp: bytes 1..8 of the token. Rotation must keep it. */
const timestampOf = (token: string): bigint => Buffer.from(token, 'base64url').readBigUInt64BE(1);

describe(`rotating ${ROWS.toLocaleString('en')} stored keys to a new encryption key`, () => {
  let db: TestDatabase;
  let t: TestRuntime;
  let before: StoredRow[];
  beforeAll(async () => {
    db = await createTestDatabase('rotation_happy');
    const old = createStoredKeyring([OLD]);
    // Half as the key service writes them, half as the earlier system left them (no tag, no fingerprint).
    await seedRows(db, old, { count: ROWS / 2, style: 'bound' });
    await seedRows(db, old, { count: ROWS / 2, from: ROWS / 2, style: 'legacy' });
    before = await readRows(db);
    t = await openTestRuntime(db, [NEW, OLD]);
  }, 120_000);
  afterAll(async () => {
    await t.runtime.close();
    await db.drop();
    await dropTestRedisPrefixes();
  });

  it('re-encrypts every row under the new key so the new key alone opens each, with plaintexts, timestamps and versions unchanged', { timeout: 120_000 }, async () => {
    const result = await rotateEncryption({ orm: t.runtime.orm, keyring: t.runtime.keyring, logger: t.runtime.logger, requestedBy: 'test-admin' });
    expect(result).toMatchObject({ targetFingerprint: keyFingerprint(NEW), resumed: false, scanned: ROWS, rotated: ROWS, recorded: 0, undecryptable: 0, bindingMismatch: 0, conflicts: 0 });
    expect(result.finishedAt).not.toBeNull();

    const after = await readRows(db);
    expect(after).toHaveLength(ROWS);
    const plaintexts = openAll(after, [NEW]);
    for (const [userId, plaintext] of plaintexts) expect(plaintext).toBe(plaintextFor(Number(userId.replace('rot-user-', ''))));
    const beforeById = new Map(before.map((r) => [r.id, r]));
    for (const row of after) {
      const old = beforeById.get(row.id);
      expect(row.api_key_encrypted).not.toBe(old?.api_key_encrypted);
      expect(timestampOf(row.api_key_encrypted)).toBe(timestampOf(old?.api_key_encrypted ?? ''));
      expect(row.key_fingerprint).toBe(keyFingerprint(NEW));
      expect(row.binding_tag).not.toBeNull();
      expect(row.key_version).toBe(old?.key_version);
      expect(row.updated_at).toEqual(old?.updated_at);
    }
  });

  it('writes one encryption.rotated audit record with the counts, not one per row', async () => {
    const audits = await db.sql<{ actor_type: string; subject_user_id: string; details: Record<string, unknown> }>('SELECT actor_type, subject_user_id, details FROM audit_log WHERE action = $1', [ENCRYPTION_ROTATED_ACTION]);
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actor_type: 'system', subject_user_id: '*', details: { target_fingerprint: keyFingerprint(NEW), requested_by: 'test-admin', scanned: ROWS, rotated: ROWS, undecryptable: 0 } });
    expect(JSON.stringify(audits)).not.toContain('sk-proj-rotation-fake');
    expect(await db.sql('SELECT 1 FROM audit_log')).toHaveLength(1);
  });

  it('a rerun skips every row (all already under the first key and bound) and writes nothing', async () => {
    const rowsBefore = await readRows(db);
    const result = await rotateEncryption({ orm: t.runtime.orm, keyring: t.runtime.keyring, logger: t.runtime.logger, requestedBy: 'test-admin', batchSize: 700 });
    expect(result).toMatchObject({ resumed: false, scanned: ROWS, rotated: 0, recorded: 0, alreadyCurrent: ROWS, conflicts: 0 });
    expect(await readRows(db)).toEqual(rowsBefore);
  });

  it('the full scan agrees: every row under key 0, none under the old key, all tagged', async () => {
    const scan = await scanStoredKeys({ orm: t.runtime.orm, keyring: t.runtime.keyring });
    expect(scan).toMatchObject({ rowsByKeyIndex: [ROWS, 0], undecryptable: 0, bindingMismatch: 0, untagged: 0, fingerprintNotRecorded: 0, totalRows: ROWS });
    expect(scan.coverage.keys).toEqual([
      { index: 0, fingerprint: keyFingerprint(NEW), rows: ROWS, untagged: 0 },
      { index: 1, fingerprint: keyFingerprint(OLD), rows: 0, untagged: 0 },
    ]);
  });

  it('once done, a process with only the new key starts and reads every row', async () => {
    const onlyNew = await openTestRuntime(db, [NEW]);
    try {
      expect(onlyNew.logs.join('')).toContain('stored keys are readable with the configured encryption keys');
    } finally {
      await onlyNew.runtime.close();
    }
  });
});
