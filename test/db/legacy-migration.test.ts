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
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining(['audit_log', 'credit_accounts', 'credit_ledger', 'gateway_tokens', 'usage_daily', 'usage_events', 'usage_platform_daily', 'user_provider_keys']),
    );
  });

  it('backfills the platform rollup from the usage aggregates already stored', async () => {
    // Revert down to this migration (inclusive); later ones are reverted with it and re-applied below.
    await db.orm.getMigrator().down({ to: 'Migration20261127000005_usage_platform_daily' });
    await db.sql(`
      INSERT INTO usage_daily (user_id, day, provider, model, credential_source, calls, errors, prompt_tokens, completion_tokens, cost_micro, credits_micro, last_used_at)
      VALUES ('a', '2026-11-01', 'openai', 'gpt-4o', 'user_provider', 2, 1, 10, 20, 30, 0, '2026-11-01T10:00:00Z'),
             ('b', '2026-11-01', 'openai', 'gpt-4o-mini', 'user_provider', 3, 0, 1, 2, 3, 0, '2026-11-01T12:00:00Z'),
             ('b', '2026-11-01', 'openai', 'gpt-4o-mini', 'system', 1, 0, 5, 5, 7, 7, '2026-11-01T09:00:00Z')`);
    expect((await db.orm.getMigrator().up())[0]).toEqual(expect.objectContaining({ name: 'Migration20261127000005_usage_platform_daily' }));
    expect(
      await db.sql(`SELECT to_char(day, 'YYYY-MM-DD') AS day, provider, credential_source, calls::int, errors::int, prompt_tokens::int, cost_micro::int, credits_micro::int,
                           last_used_at FROM usage_platform_daily ORDER BY credential_source`),
    ).toEqual([
      { day: '2026-11-01', provider: 'openai', credential_source: 'system', calls: 1, errors: 0, prompt_tokens: 5, cost_micro: 7, credits_micro: 7, last_used_at: new Date('2026-11-01T09:00:00Z') },
      { day: '2026-11-01', provider: 'openai', credential_source: 'user_provider', calls: 5, errors: 1, prompt_tokens: 11, cost_micro: 33, credits_micro: 0, last_used_at: new Date('2026-11-01T12:00:00Z') },
    ]);
  });
});
