import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyring, createStoredKeyring, generateKey } from '@byok/crypto';
import { createLogger } from '@byok/telemetry';
import { rotateEncryption } from '@byok/worker';
import { generateWebhookSecret, insertWebhook, rotateWebhookSecrets } from '@byok/notifications/webhooks';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

describe('rotateWebhookSecrets', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('webhooks_secret_rotation');
  });
  afterAll(() => db?.drop());

  it('moves every secret under the first key, so the old key can be dropped, and rewrites nothing twice', async () => {
    const oldKey = generateKey();
    const newKey = generateKey();
    const before = createKeyring([oldKey]);
    const secrets = new Map<string, string>();
    for (let i = 0; i < 7; i++) {
      const secret = generateWebhookSecret();
      const row = await insertWebhook(db.orm.em.fork(), { userId: `user-${i}`, url: 'https://hooks.example.com/', events: ['key_invalid'], enabled: true, secretEncrypted: before.encrypt(secret) });
      secrets.set(row.id, secret);
    }
    await db.sql(`INSERT INTO webhooks (user_id, url, events, secret_encrypted) VALUES ('lost', 'https://hooks.example.com/', '{key_invalid}', $1)`, [createKeyring([generateKey()]).encrypt('whsec_lost')]);

    const during = createKeyring([newKey, oldKey]);
    expect(await rotateWebhookSecrets({ orm: db.orm, keyring: during, batchSize: 3 })).toEqual({ scanned: 8, rotated: 7, undecryptable: 1 });
    expect(await rotateWebhookSecrets({ orm: db.orm, keyring: during, batchSize: 3 })).toEqual({ scanned: 8, rotated: 0, undecryptable: 1 });

    const after = createKeyring([newKey]);
    const rows = await db.sql<{ id: string; secret_encrypted: string }>(`SELECT id, secret_encrypted FROM webhooks WHERE user_id <> 'lost'`);
    for (const row of rows) expect(after.decrypt(row.secret_encrypted)).toBe(secrets.get(row.id));
  });

  it("is part of the encryption-key rotation task, after the stored keys", async () => {
    const oldKey = generateKey();
    const newKey = generateKey();
    const secret = generateWebhookSecret();
    const row = await insertWebhook(db.orm.em.fork(), { userId: 'rotating', url: 'https://hooks.example.com/', events: ['key_invalid'], enabled: true, secretEncrypted: createKeyring([oldKey]).encrypt(secret) });
    const result = await rotateEncryption({ orm: db.orm, keyring: createStoredKeyring([newKey, oldKey]), logger: createLogger({ level: 'silent', name: 'rotation-test' }), requestedBy: 'test-admin' });
    expect(result.webhookSecrets?.rotated).toBeGreaterThanOrEqual(1);
    const [stored] = await db.sql<{ secret_encrypted: string }>('SELECT secret_encrypted FROM webhooks WHERE id = $1', [row.id]);
    expect(createKeyring([newKey]).decrypt(stored?.secret_encrypted ?? '')).toBe(secret);
  });
});
