import { readFileSync } from 'node:fs';
import { findUserKey, findUserKeys, getUserSettings, putUserSettings, upsertProviderKey } from '@byok/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/legacy/${name}`, import.meta.url), 'utf8');

/** Issue #14's identity change, on a database of the earlier system. */
describe('the key pool migration', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('key_pool', { before: [fixture('schema.sql'), fixture('rows.sql')] });
  });
  afterAll(() => db?.drop());
  const em = () => db.orm.em.fork();
  const save = (label: string | undefined, extra: { priority?: number; models?: string[] | null; description?: string } = {}) =>
    upsertProviderKey(em(), { userId: 'pool-user', provider: 'openai', apiKeyEncrypted: `token-${label ?? 'none'}`, keyHint: 'sk-...abcd', ...(label === undefined ? {} : { label }), ...extra });

  it('turns every earlier row into its provider’s default key with priority 1 and any model', async () => {
    const rows = await db.sql<{ label: string; priority: number; models: unknown; description: string | null }>('SELECT label, priority, models, description FROM user_provider_keys');
    expect(rows.length).toBe(5);
    for (const row of rows) expect(row).toEqual({ label: 'default', priority: 1, models: null, description: null });
  });

  it('drops the one-key-per-provider constraint and makes the label part of the identity, ignoring case', async () => {
    const legacy = await db.sql(`SELECT conname FROM pg_constraint WHERE conrelid = 'user_provider_keys'::regclass AND contype = 'u'`);
    expect(legacy).toEqual([]);
    await db.sql(`INSERT INTO user_provider_keys (user_id, provider, api_key_encrypted, label) VALUES ('admin@example.com', 'openai', 't', 'work')`);
    await expect(db.sql(`INSERT INTO user_provider_keys (user_id, provider, api_key_encrypted, label) VALUES ('admin@example.com', 'openai', 't', 'WORK')`)).rejects.toThrow(
      /user_provider_keys_identity/,
    );
    await expect(db.sql(`INSERT INTO user_provider_keys (user_id, provider, api_key_encrypted, label) VALUES ('x', 'openai', 't', '')`)).rejects.toThrow(/label_check/);
    await expect(db.sql(`INSERT INTO user_provider_keys (user_id, provider, api_key_encrypted, priority) VALUES ('x', 'openai', 't', 101)`)).rejects.toThrow(/priority_check/);
  });

  it('a save without a label replaces the default key; a labelled save adds a key after the last one', async () => {
    const first = await save(undefined, { description: 'my key' });
    expect(first).toMatchObject({ inserted: true, key: { label: 'default', priority: 1, description: 'my key', models: null } });
    const replaced = await save(undefined);
    expect(replaced).toMatchObject({ inserted: false, key: { id: first.key.id, label: 'default', keyVersion: 2, description: 'my key' } });
    const work = await save('Work', { models: ['gpt-4o*'] });
    expect(work).toMatchObject({ inserted: true, key: { label: 'Work', priority: 2, models: ['gpt-4o*'] } });
    // Same label in another case: the same key, its spelling, priority and models kept.
    expect(await save('work')).toMatchObject({ inserted: false, key: { id: work.key.id, label: 'Work', priority: 2, models: ['gpt-4o*'] } });
    expect(await save('work', { priority: 1, models: null })).toMatchObject({ key: { priority: 1, models: null } });
    expect((await findUserKeys(em(), 'pool-user')).map((k) => k.label)).toEqual(['default', 'Work']);
    expect((await findUserKey(em(), 'pool-user', 'openai'))?.id).toBe(first.key.id);
    expect((await findUserKey(em(), 'pool-user', 'openai', 'WORK'))?.id).toBe(work.key.id);
  });

  it('keeps each provider’s keys in priority order, then by label', async () => {
    await save('zeta', { priority: 1 });
    expect((await findUserKeys(em(), 'pool-user')).map((k) => `${k.priority}:${k.label}`)).toEqual(['1:default', '1:Work', '1:zeta']);
  });

  it('stores the platform fallback setting, defaulting to allow', async () => {
    expect(await getUserSettings(em(), 'pool-user')).toEqual({ platformFallback: 'allow' });
    expect(await putUserSettings(em(), 'pool-user', { platformFallback: 'never' })).toEqual({ platformFallback: 'never' });
    expect(await getUserSettings(em(), 'pool-user')).toEqual({ platformFallback: 'never' });
    await putUserSettings(em(), 'pool-user', { platformFallback: 'allow' });
    expect(await getUserSettings(em(), 'pool-user')).toEqual({ platformFallback: 'allow' });
    await expect(db.sql(`INSERT INTO byok_user_settings (user_id, platform_fallback) VALUES ('y', 'maybe')`)).rejects.toThrow(/check/);
  });

  it('refuses to revert while a user holds several keys for a provider', async () => {
    await expect(db.orm.getMigrator().down({ to: 'Migration2026120720000000_key_pool' })).rejects.toThrow(/several keys/);
  });
});
