import { randomUUID } from 'node:crypto';
import { createStoredKeyring, generateKey, type StoredKeyring } from '@byok/crypto';
import { rotateEncryption } from '@byok/worker';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeKey } from '@byok/mock-providers';
import { openAll, readRows } from '../rotation/support/rotation-fixtures.js';
import { TEST_ENCRYPTION_KEY } from '../support/api-harness.js';
import type { TestDatabase } from '../support/test-database.js';
import { startFaultStack, sleep, type FaultStack } from './support/fault-stack.js';

/**
 * ROWS stored keys under the old encryption key are re-encrypted under a new one (the new key is
 * first in BYOK_ENCRYPTION_KEYS, the old one still listed, as libs/crypto/ROTATION.md asks) while
 * the proxy serves a steady load. SERVED_USERS of the rows are real mock keys of users the load
 * visits in turn, so most of their first requests — each a cold route read from Postgres and a
 * decryption — land while the rotation is rewriting rows. Nothing may fail, and afterwards every
 * row opens with the new key alone and holds the plaintext it held before.
 */
const ROWS = 100_000;
const SERVED_USERS = 2000;
const LANES = 8;
const NEW_KEY = generateKey();

let stack: FaultStack;
beforeAll(async () => {
  stack = await startFaultStack('faults_rotation_load', { env: { BYOK_ENCRYPTION_KEYS: `${NEW_KEY},${TEST_ENCRYPTION_KEY}`, KEY_REVALIDATE_INTERVAL_MS: '0' }, lockDurationMs: 30_000 });
});
afterAll(async () => {
  await stack?.close();
});

/** Inserts bound rows encrypted under `keyring`'s first key: user → plaintext. */
async function seed(db: TestDatabase, keyring: StoredKeyring, rows: Array<{ userId: string; plaintext: string }>): Promise<void> {
  const CHUNK = 1000;
  for (let start = 0; start < rows.length; start += CHUNK) {
    const params: unknown[] = [];
    const values: string[] = [];
    for (const { userId, plaintext } of rows.slice(start, start + CHUNK)) {
      const row = { id: randomUUID(), userId, provider: 'openai' };
      const token = keyring.encrypt(plaintext);
      const record = keyring.bind(row, token);
      const p = params.length;
      values.push(`($${p + 1}::uuid, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 6}, 'valid')`);
      params.push(row.id, row.userId, row.provider, token, record.bindingTag, record.keyFingerprint);
    }
    await db.sql(`INSERT INTO user_provider_keys (id, user_id, provider, api_key_encrypted, binding_tag, key_fingerprint, test_status) VALUES ${values.join(', ')}`, params);
  }
}

describe(`rotation of ${ROWS.toLocaleString('en')} rows under proxy load`, () => {
  it('fails no request, leaves no row undecryptable, and every row opens with the new key alone', { timeout: 600_000 }, async () => {
    const expected = new Map<string, string>();
    const rows: Array<{ userId: string; plaintext: string }> = [];
    for (let i = 0; i < ROWS; i++) {
      const userId = i < SERVED_USERS ? `srv-user-${i}` : `rot-user-${i}`;
      const plaintext = i < SERVED_USERS ? fakeKey('openai', 'valid', userId) : `sk-proj-rotation-fake-${String(i).padStart(6, '0')}`;
      rows.push({ userId, plaintext });
      expected.set(userId, plaintext);
    }
    const seedStarted = Date.now();
    await seed(stack.db, createStoredKeyring([TEST_ENCRYPTION_KEY]), rows);
    const seedMs = Date.now() - seedStarted;
    const tokens = await Promise.all(Array.from({ length: SERVED_USERS }, (_, i) => stack.token(`srv-user-${i}`)));

    let stop = false;
    let next = 0;
    let ok = 0;
    const failures: string[] = [];
    const lane = async () => {
      while (!stop) {
        const n = next++ % SERVED_USERS;
        const res = await request(`${stack.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[n]}` },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] }),
        });
        const text = await res.body.text();
        if (res.statusCode === 200) ok++;
        else failures.push(`${res.statusCode} ${text.slice(0, 200)}`);
        await sleep(5);
      }
    };
    const load = Promise.all(Array.from({ length: LANES }, lane));
    await sleep(500);
    const rotationStarted = Date.now();
    const result = await rotateEncryption({ orm: stack.runtime.orm, keyring: stack.runtime.keyring, logger: stack.runtime.logger, requestedBy: 'faults-test', batchSize: 500 });
    const rotationMs = Date.now() - rotationStarted;
    const servedDuringRotation = ok;
    await sleep(500);
    stop = true;
    await load;

    console.info(
      `rotation: ${ROWS} rows seeded in ${seedMs} ms, rotated in ${rotationMs} ms; ${ok} requests ok (${servedDuringRotation} by the end of the rotation), ${failures.length} failed; ${JSON.stringify(result)}`,
    );
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(0);
    expect(result).toMatchObject({ scanned: ROWS, rotated: ROWS, undecryptable: 0, bindingMismatch: 0 });
    // Warnings and errors about decryption (the info line of the finished rotation mentions "undecryptable":0).
    const decryptLogs = stack.logs.filter((line) => /"level":"(warn|error|fatal)"/.test(line) && /decrypt/i.test(line));
    if (decryptLogs.length > 0) console.info(decryptLogs.slice(0, 5).join(''));
    expect(decryptLogs).toEqual([]);

    const stored = await readRows(stack.db);
    expect(stored).toHaveLength(ROWS);
    const opened = openAll(stored, [NEW_KEY]);
    let mismatched = 0;
    for (const [userId, plaintext] of expected) if (opened.get(userId) !== plaintext) mismatched++;
    expect(mismatched).toBe(0);
  });
});
