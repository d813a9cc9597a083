import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/legacy/${name}`, import.meta.url), 'utf8');
const expected = JSON.parse(fixture('expected.json')) as { rows: Array<{ id: string; user_id: string; provider: string; enabled: boolean }> };

describe('migrations onto the earlier system database', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('legacy', { before: [fixture('schema.sql'), fixture('rows.sql')] });
  });
  afterAll(() => db.drop());

  it('keeps every legacy row and its token, adding the new columns with defaults', async () => {
    const rows = await db.sql<{ id: string; user_id: string; provider: string; enabled: boolean; key_version: number; test_status: string }>(
      'SELECT id, user_id, provider, enabled, key_version, test_status FROM user_provider_keys ORDER BY created_at',
    );
    expect(rows.map((r) => [r.id, r.user_id, r.provider, r.enabled])).toEqual(expected.rows.map((r) => [r.id, r.user_id, r.provider, r.enabled]));
    expect(new Set(rows.map((r) => `${r.key_version}:${r.test_status}`))).toEqual(new Set(['1:untested']));
  });

  it('is idempotent: running the migrator again applies nothing', async () => {
    expect(await db.orm.getMigrator().up()).toEqual([]);
  });

  it('makes audit_log append-only in the database', async () => {
    await db.sql(`INSERT INTO audit_log (actor_id, actor_type, action, subject_user_id) VALUES ('a', 'user', 'key.created', 'a')`);
    await expect(db.sql(`UPDATE audit_log SET action = 'x'`)).rejects.toThrow(/append-only/);
    await expect(db.sql('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
    await expect(db.sql('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
    expect(await db.sql('SELECT action FROM audit_log')).toEqual([{ action: 'key.created' }]);
  });
});

describe('migrations onto an empty database', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('fresh');
  });
  afterAll(() => db.drop());

  it('creates every table', async () => {
    const tables = await db.sql<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`);
    expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['audit_log', 'credit_accounts', 'credit_ledger', 'gateway_tokens', 'usage_daily', 'usage_events', 'user_provider_keys']));
  });
});
