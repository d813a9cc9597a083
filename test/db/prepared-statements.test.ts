import { appendAudit, findKeyRowId, findUserKeys, upsertProviderKey } from '@byok/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * The key save's and key list's statements run as named prepared statements (`executePrepared`),
 * outside MikroORM's `execute`. They must still behave like it: inside `em.transactional` they run
 * on the transaction's connection (they see its uncommitted rows and roll back with it), outside it
 * in autocommit, and the upsert hands back a plain row that is the stored one.
 */

const FAKE_TOKEN = 'gAAAAAB-fake-fernet-token-prepared-test';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('prepared');
});
afterAll(() => db.drop());

class RollBack extends Error {}

describe('prepared key statements', () => {
  it('join the caller’s transaction: they see its rows, and a rollback takes their writes too', async () => {
    let seenInside: { id: string | null; keys: number } | null = null;
    await db.orm.em
      .fork()
      .transactional(async (tx) => {
        const { key } = await upsertProviderKey(tx, { userId: 'tx-user', provider: 'groq', apiKeyEncrypted: FAKE_TOKEN, keyHint: 'gsk_****…****' });
        await appendAudit(tx, { actorId: 'tx-user', actorType: 'user', action: 'key.created', subjectUserId: 'tx-user', provider: 'groq', keyId: key.id });
        seenInside = { id: await findKeyRowId(tx, 'tx-user', 'groq'), keys: (await findUserKeys(tx, 'tx-user')).length };
        expect(seenInside.id).toBe(key.id);
        throw new RollBack();
      })
      .catch((error: unknown) => {
        if (!(error instanceof RollBack)) throw error;
      });
    expect(seenInside).toEqual({ id: expect.any(String), keys: 1 });
    expect(await db.sql("SELECT id FROM user_provider_keys WHERE user_id = 'tx-user'")).toEqual([]);
    expect(await db.sql("SELECT id FROM audit_log WHERE subject_user_id = 'tx-user'")).toEqual([]);
  });

  it('commit on their own outside a transaction, and the upsert returns the row as stored', async () => {
    const first = await upsertProviderKey(db.orm.em.fork(), { userId: 'plain-user', provider: 'openai', apiKeyEncrypted: FAKE_TOKEN, keyHint: 'sk-****…****', description: 'work' });
    const second = await upsertProviderKey(db.orm.em.fork(), { userId: 'plain-user', provider: 'openai', apiKeyEncrypted: `${FAKE_TOKEN}-2`, keyHint: 'sk-****…****' });
    expect(first.inserted).toBe(true);
    expect(second.inserted).toBe(false);
    expect(second.key).toMatchObject({ id: first.key.id, keyVersion: 2, label: 'default', description: 'work', testStatus: 'testing', enabled: true, metadata: {} });
    const [listed] = await findUserKeys(db.orm.em.fork(), 'plain-user');
    expect(listed).toEqual(second.key);
    expect(await appendAudit(db.orm.em.fork(), { actorId: 'plain-user', actorType: 'user', action: 'key.replaced', subjectUserId: 'plain-user', idempotencyKey: 'prepared-once' })).toBe(true);
    expect(await appendAudit(db.orm.em.fork(), { actorId: 'plain-user', actorType: 'user', action: 'key.replaced', subjectUserId: 'plain-user', idempotencyKey: 'prepared-once' })).toBe(false);
  });
});
