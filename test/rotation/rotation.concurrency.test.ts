import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoredKeyring, generateKey, keyFingerprint } from '@byok/crypto';
import { rotateEncryption } from '@byok/worker';
import { FAKE_KEYS, startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { openAll, plaintextFor, readRows, seedRows, waitUntil } from './support/rotation-fixtures.js';

const OLD = generateKey();
/** A distinct, format-valid fake key per user. */
const replacement = (n: number): string => FAKE_KEYS.openai.replace('FakeTestKey0', `Replaced${String(n).padStart(4, '0')}`);
const NEW = generateKey();

describe('rotation beside users changing their keys', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness('rotation_concurrency', { env: { BYOK_ENCRYPTION_KEYS: `${NEW},${OLD}` } });
  });
  afterAll(() => h.close());

  it("never overwrites a key the user replaced between the rotation's read and its write", { timeout: 60_000 }, async () => {
    const ids = await seedRows(h.db, createStoredKeyring([OLD]), { count: 50, style: 'bound' });
    const target = ids.get(7) ?? '';
    // Hold the row locked, as a user's save in flight would, so the rotation's write must wait for it.
    const user = new pg.Client({ connectionString: h.db.url });
    await user.connect();
    try {
      await user.query('BEGIN');
      await user.query('SELECT 1 FROM user_provider_keys WHERE id = $1 FOR UPDATE', [target]);
      const rotation = rotateEncryption({ orm: h.runtime.orm, keyring: h.runtime.keyring, logger: h.runtime.logger, requestedBy: 'test' });
      await waitUntil(async () => (await h.db.sql(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)).length > 0, 10_000, 'the rotation to wait on the row');
      // The user's replacement commits while the rotation holds the old token it read.
      const ring = h.runtime.keyring;
      const token = ring.encrypt('sk-proj-the-users-new-key');
      const record = ring.bind({ id: target, userId: 'rot-user-7', provider: 'openai' }, token);
      await user.query('UPDATE user_provider_keys SET api_key_encrypted = $1, binding_tag = $2, key_fingerprint = $3, key_version = key_version + 1 WHERE id = $4', [token, record.bindingTag, record.keyFingerprint, target]);
      await user.query('COMMIT');
      const result = await rotation;
      expect(result).toMatchObject({ scanned: 50, rotated: 49, conflicts: 1 });
    } finally {
      await user.end();
    }
    const plaintexts = openAll(await readRows(h.db), [NEW]);
    expect(plaintexts.get('rot-user-7')).toBe('sk-proj-the-users-new-key');
    for (const n of [0, 6, 8, 49]) expect(plaintexts.get(`rot-user-${n}`)).toBe(plaintextFor(n));
  });

  it('keeps every key saved through the API during a rotation, and rotates the rest', { timeout: 90_000 }, async () => {
    await h.db.sql('DELETE FROM user_provider_keys');
    await h.db.sql('DELETE FROM encryption_rotations');
    await seedRows(h.db, createStoredKeyring([OLD]), { count: 2000, style: 'legacy' });
    const rotation = rotateEncryption({ orm: h.runtime.orm, keyring: h.runtime.keyring, logger: h.runtime.logger, requestedBy: 'test', batchSize: 50, pauseMs: 5 });
    // Users replace their keys through the API while batches run (some before, some after their batch).
    const saved: number[] = [];
    for (let n = 0; n < 2000; n += 97) {
      const res = await h.app.inject({
        method: 'POST',
        url: '/api/v1/llm/byok/keys',
        headers: { authorization: `Bearer ${await h.token(`rot-user-${n}`)}` },
        payload: { provider: 'openai', api_key: replacement(n) },
      });
      expect(res.statusCode, res.body).toBe(200);
      saved.push(n);
    }
    const result = await rotation;
    // Each row was rotated (a save may follow), found already saved under the new key, or lost the race to a save.
    expect(result.scanned).toBe(2000);
    expect(result.rotated + result.alreadyCurrent + result.conflicts).toBe(2000);
    const rows = await readRows(h.db);
    const plaintexts = openAll(rows, [NEW]);
    for (let n = 0; n < 2000; n++) {
      const expected = saved.includes(n) ? replacement(n) : plaintextFor(n);
      expect(plaintexts.get(`rot-user-${n}`)).toBe(expected);
    }
    for (const row of rows) expect(row.key_fingerprint).toBe(keyFingerprint(NEW));
  });
});
