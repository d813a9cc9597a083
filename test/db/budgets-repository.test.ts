import { findBudgetsOfOwners } from '@byok/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('budgets_repo');
});

afterAll(async () => {
  await db?.drop();
});

describe('the budgets table (#18)', () => {
  it('finds the budgets of a user and of the organization they act for, limits as numbers', async () => {
    await db.sql(`INSERT INTO budgets (owner_id, scope, scope_id, period, limit_requests, limit_spend_micro_usd, created_by)
      VALUES ('u1', 'user', NULL, 'day', 10, NULL, 'u1'), ('org:o1', 'org', 'o1', 'month', NULL, 9007199254740991, 'u1'), ('u2', 'user', NULL, 'week', 3, NULL, 'u2')`);
    const em = db.orm.em.fork();
    const mine = await findBudgetsOfOwners(em, ['u1']);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ ownerId: 'u1', scope: 'user', scopeId: null, limits: { requests: 10 }, thresholds: [80, 90], action: 'block', timeZone: 'UTC' });
    const withOrg = await findBudgetsOfOwners(em, ['u1', 'org:o1']);
    expect(withOrg.map((b) => b.limits)).toEqual(expect.arrayContaining([{ requests: 10 }, { spend_micro_usd: 9007199254740991 }]));
    expect(withOrg).toHaveLength(2);
    expect(await findBudgetsOfOwners(em, [])).toEqual([]);
  });

  it('refuses a budget without a limit, a user budget with a scope id, and disable_key outside key budgets', async () => {
    await expect(db.sql(`INSERT INTO budgets (owner_id, scope, period, created_by) VALUES ('u3', 'user', 'day', 'u3')`)).rejects.toThrow(/budgets_some_limit/);
    await expect(db.sql(`INSERT INTO budgets (owner_id, scope, scope_id, period, limit_tokens, created_by) VALUES ('u3', 'user', 'x', 'day', 1, 'u3')`)).rejects.toThrow(/budgets_scope_id/);
    await expect(db.sql(`INSERT INTO budgets (owner_id, scope, period, limit_tokens, action, created_by) VALUES ('u3', 'user', 'day', 1, 'disable_key', 'u3')`)).rejects.toThrow(/budgets_disable_key_on_keys/);
  });
});
