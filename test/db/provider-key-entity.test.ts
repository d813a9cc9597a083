import { findUserKey, findUserKeys, ProviderKeySchema, stageKeyCandidate, upsertProviderKey } from '@byok/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * `ProviderKey` is the one entity, and `user_provider_keys` is read both through the ORM
 * (`findUserKey`, `listKeys`, `em.map`) and through a hand-written mapper (`findUserKeys`). These
 * tests keep the entity, the mapper and the migrated table in step.
 */

/** Deliberately unmapped (see provider-key.entity.ts): only the candidate's own test job reads them. */
const UNMAPPED_COLUMNS = ['candidate_encrypted', 'candidate_binding_tag', 'candidate_key_fingerprint', 'candidate_label', 'candidate_metadata'];

const FAKE_TOKEN = 'gAAAAAB-fake-fernet-token-for-entity-test';
const FAKE_CANDIDATE_TOKEN = 'gAAAAAB-fake-candidate-token-for-entity-test';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('entity');
});
afterAll(() => db.drop());

describe('ProviderKey entity', () => {
  it('maps every column of the migrated table but the documented candidate ones, and nothing else', async () => {
    const columns = (await db.sql<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'user_provider_keys'`,
    )).map((c) => c.column_name);
    const mapped = Object.values(db.orm.getMetadata().get(ProviderKeySchema.meta.className).props).flatMap((p) => p.fieldNames);
    expect(new Set(mapped)).toEqual(new Set(columns.filter((c) => !UNMAPPED_COLUMNS.includes(c))));
  });

  it('reads the same key through the ORM and through the plain-SQL mapper, fingerprint and test start included', async () => {
    const em = db.orm.em.fork();
    const id = '0b7f2c1e-4a5d-4e8f-9a0b-1c2d3e4f5a6b';
    await upsertProviderKey(em, {
      id,
      userId: 'entity-user',
      provider: 'openai',
      apiKeyEncrypted: FAKE_TOKEN,
      keyHint: 'sk-****…****',
      label: 'work',
      binding: { bindingTag: 'tag-for-entity-test', keyFingerprint: '0123456789abcdef' },
    });
    const viaOrm = await db.orm.em.fork().findOne(ProviderKeySchema, { id });
    const viaSql = await findUserKeys(db.orm.em.fork(), 'entity-user');
    expect(viaOrm).not.toBeNull();
    expect(viaSql).toHaveLength(1);
    expect({ ...viaSql[0] }).toEqual({ ...viaOrm });
    expect(viaSql[0]).toMatchObject({ keyFingerprint: '0123456789abcdef', bindingTag: 'tag-for-entity-test', testStatus: 'testing' });
    // Stamped by the trigger when the save set the key `testing`.
    expect(viaSql[0]?.testStartedAt).toBeInstanceOf(Date);
  });

  it('never carries a staged candidate token, whichever way the key is read', async () => {
    const em = db.orm.em.fork();
    const { key } = await upsertProviderKey(em, { userId: 'candidate-user', provider: 'groq', apiKeyEncrypted: FAKE_TOKEN, keyHint: 'gsk_****…****' });
    const staged = await stageKeyCandidate(em, {
      id: key.id,
      userId: 'candidate-user',
      provider: 'groq',
      token: FAKE_CANDIDATE_TOKEN,
      keyHint: 'gsk_****…2222',
      binding: null,
      label: null,
      metadata: null,
      abandonedAfterMs: 60_000,
    });
    expect(staged.outcome).toBe('staged');
    const reads = [await findUserKey(db.orm.em.fork(), 'candidate-user', 'groq'), ...(await findUserKeys(db.orm.em.fork(), 'candidate-user'))];
    expect(reads).toHaveLength(2);
    for (const read of reads) {
      expect(read?.candidateKeyHint).toBe('gsk_****…2222');
      expect(JSON.stringify(read)).not.toContain(FAKE_CANDIDATE_TOKEN);
    }
  });
});
