import { findBudgetsOfOwners, sumBudgetUse } from '@byok/db';
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

  it('sums a budget\'s use per scope from the record, leaving out refused requests and other periods', async () => {
    const org = '0b7f2c1e-4a5d-4e8f-9a0b-1c2d3e4f5a6b';
    const key = '1c2d3e4f-4a5d-4e8f-9a0b-0b7f2c1e5a6b';
    const insert = (id: string, user: string, provider: string, keyId: string | null, orgId: string | null, tokens: number, cost: number, at: string, blocked: string | null = null) =>
      db.sql(
        `INSERT INTO usage_events (request_id, user_id, provider, model, credential_source, key_id, status_code, success, prompt_tokens, completion_tokens, cost_micro, occurred_at, org_id, blocked_budget_id)
         VALUES ($1, $2, $3, 'm', 'user_provider', $4, 200, true, $5, 1, $6, $7, $8, $9)`,
        [id, user, provider, keyId, tokens - 1, cost, at, orgId, blocked],
      );
    await insert('r1', 'alice', 'openai', key, null, 10, 100, '2026-12-07T01:00:00Z');
    await insert('r2', 'alice', 'anthropic', null, null, 20, 200, '2026-12-07T02:00:00Z');
    await insert('r3', 'alice', 'openai', null, org, 30, 300, '2026-12-07T03:00:00Z');
    await insert('r4', 'bob', 'openai', null, org, 40, 400, '2026-12-07T04:00:00Z');
    await insert('r5', 'alice', 'openai', null, null, 0, 0, '2026-12-07T05:00:00Z', '2b7f2c1e-4a5d-4e8f-9a0b-1c2d3e4f5a6b');
    await insert('r6', 'alice', 'openai', key, null, 50, 500, '2026-12-06T23:59:59Z');
    const em = db.orm.em.fork();
    const day = { startMs: Date.parse('2026-12-07T00:00:00Z'), endMs: Date.parse('2026-12-08T00:00:00Z') };
    expect(await sumBudgetUse(em, { scope: 'user', scopeId: null, ownerId: 'alice' }, day)).toEqual({ requests: 2, tokens: 30, spend_micro_usd: 300 });
    expect(await sumBudgetUse(em, { scope: 'provider', scopeId: 'openai', ownerId: 'alice' }, day)).toEqual({ requests: 1, tokens: 10, spend_micro_usd: 100 });
    expect(await sumBudgetUse(em, { scope: 'key', scopeId: key, ownerId: 'alice' }, day)).toEqual({ requests: 1, tokens: 10, spend_micro_usd: 100 });
    expect(await sumBudgetUse(em, { scope: 'org', scopeId: org, ownerId: `org:${org}` }, day)).toEqual({ requests: 2, tokens: 70, spend_micro_usd: 700 });
    expect(await sumBudgetUse(em, { scope: 'org_member', scopeId: `${org}/bob`, ownerId: `org:${org}` }, day)).toEqual({ requests: 1, tokens: 40, spend_micro_usd: 400 });
    expect(await sumBudgetUse(em, { scope: 'user', scopeId: null, ownerId: 'nobody' }, day)).toEqual({ requests: 0, tokens: 0, spend_micro_usd: 0 });
  });
});
