import { migrate } from '@byok/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/** The per-key usage rollup (#14) starts from the raw events a database already holds. */
describe('the usage_key_daily migration', () => {
  let db: TestDatabase;
  const key = '4d5e6f70-8a9b-4c0d-9e1f-2a3b4c5d6e7f';
  beforeAll(async () => {
    db = await createTestDatabase('usage_key_daily', { migrate: false });
    await db.orm.getMigrator().up({ to: 'Migration2026120870000000_budget_alerts' });
    await db.sql(`
      INSERT INTO usage_events (request_id, user_id, provider, model, credential_source, key_id, status_code, success, prompt_tokens, completion_tokens, cost_micro, occurred_at)
      VALUES ('a', 'u', 'openai', 'gpt-4o-mini', 'user_provider', $1, 200, true, 10, 5, 100, '2026-12-01T23:30:00Z'),
             ('b', 'u', 'openai', 'gpt-4o-mini', 'user_provider', $1, 503, false, 0, 0, 0, '2026-12-01T10:00:00Z'),
             ('c', 'u', 'openai', 'gpt-4o-mini', 'user_provider', $1, 200, true, 1, 1, 7, '2026-12-02T00:30:00Z'),
             ('d', 'u', 'openai', 'gpt-4o-mini', 'system', NULL, 200, true, 1, 1, 7, '2026-12-01T00:30:00Z')`, [key]);
    await migrate(db.orm);
  });
  afterAll(() => db?.drop());

  it('sums every kept event of a key per UTC day and model, and nothing for platform-key requests', async () => {
    const rows = await db.sql("SELECT key_id::text, to_char(day, 'YYYY-MM-DD') AS day, model, calls::int, errors::int, prompt_tokens::int, cost_micro::int FROM usage_key_daily ORDER BY day");
    expect(rows).toEqual([
      { key_id: key, day: '2026-12-01', model: 'gpt-4o-mini', calls: 2, errors: 1, prompt_tokens: 10, cost_micro: 100 },
      { key_id: key, day: '2026-12-02', model: 'gpt-4o-mini', calls: 1, errors: 0, prompt_tokens: 1, cost_micro: 7 },
    ]);
  });
});
