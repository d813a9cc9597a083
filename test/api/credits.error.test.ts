import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';

describe('credits API: refusals change nothing', () => {
  let h: ApiHarness;
  let alice: Record<string, string>;
  let admin: Record<string, string>;
  beforeAll(async () => {
    h = await startApiHarness('credits_error');
    alice = { authorization: `Bearer ${await h.token('alice')}` };
    admin = { authorization: `Bearer ${await h.token('root', { admin: true })}` };
  });
  afterAll(() => h.close());

  const grant = (headers: Record<string, string>, payload: unknown) =>
    h.app.inject({ method: 'POST', url: '/api/v1/admin/credits/grant', headers, payload: payload as object });

  const nothingChanged = async () => {
    const [counts] = await h.db.sql<{ ledger: number; accounts: number; audit: number }>(
      `SELECT (SELECT count(*)::int FROM credit_ledger) AS ledger, (SELECT count(*)::int FROM credit_accounts) AS accounts, (SELECT count(*)::int FROM audit_log) AS audit`,
    );
    expect(counts).toEqual({ ledger: 0, accounts: 0, audit: 0 });
  };

  const bad: Array<[string, unknown, string]> = [
    ['zero', { user: 'alice', amount: 0, reason: 'r' }, 'body/amount'],
    ['negative', { user: 'alice', amount: -5, reason: 'r' }, 'body/amount'],
    ['above the maximum', { user: 'alice', amount: 1_000_000.000001, reason: 'r' }, 'body/amount'],
    ['seven decimals', { user: 'alice', amount: 0.0000001, reason: 'r' }, 'body/amount'],
    ['seven decimals as text', { user: 'alice', amount: '1.1234567', reason: 'r' }, 'body/amount'],
    ['not a number', { user: 'alice', amount: 'ten', reason: 'r' }, 'body/amount'],
    ['an object', { user: 'alice', amount: { value: 1 }, reason: 'r' }, 'body/amount'],
    ['missing amount', { user: 'alice', reason: 'r' }, 'body'],
    ['missing reason', { user: 'alice', amount: 1 }, 'body'],
    ['empty reason', { user: 'alice', amount: 1, reason: '' }, 'body/reason'],
    ['empty user', { user: '', amount: 1, reason: 'r' }, 'body/user'],
    ['an unknown field', { user: 'alice', amount: 1, reason: 'r', kind: 'charge' }, 'body'],
  ];

  it.each(bad)('400 for an amount or body that is %s', async (_name, payload, path) => {
    const res = await grant(admin, payload);
    expect(res.statusCode).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('validation_failed');
    expect(error.details.map((d: { path: string }) => d.path)).toContain(path);
    await nothingChanged();
  });

  it('refuses an Idempotency-Key reused for another grant (409), and a malformed one (400), changing nothing', async () => {
    const keyed = (key: string, payload: object) => h.app.inject({ method: 'POST', url: '/api/v1/admin/credits/grant', headers: { ...admin, 'idempotency-key': key }, payload });
    expect((await keyed('reuse-1', { user: 'ivan', amount: 3, reason: 'first' })).statusCode).toBe(200);
    for (const other of [{ user: 'ivan', amount: 4, reason: 'first' }, { user: 'judy', amount: 3, reason: 'first' }]) {
      const res = await keyed('reuse-1', other);
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toMatchObject({ code: 'conflict', message: 'This Idempotency-Key was already used for a different grant' });
    }
    for (const bad of ['has space', 'x'.repeat(101), 'ünïcode']) {
      const res = await keyed(bad, { user: 'ivan', amount: 3, reason: 'bad key' });
      expect(res.statusCode, bad).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
    }
    const rows = await h.db.sql<{ user_id: string; amount_micro: string }>("SELECT user_id, amount_micro FROM credit_ledger WHERE user_id IN ('ivan', 'judy')");
    expect(rows).toEqual([{ user_id: 'ivan', amount_micro: '3000000' }]);
  });

  it('accepts exactly the maximum', async () => {
    const res = await grant(admin, { user: 'max', amount: 1_000_000, reason: 'ceiling' });
    expect(res.statusCode).toBe(200);
    expect(res.json().balance).toBe('1000000.000000');
    await h.db.sql(`DELETE FROM credit_ledger`);
    await h.db.sql(`DELETE FROM credit_accounts`);
  });

  it('403 for a non-admin, before the body is even read, and 401 without a token', async () => {
    const bobs = await grant(alice, { user: 'alice', amount: 100, reason: 'self-service' });
    expect(bobs.statusCode).toBe(403);
    expect(bobs.json().error.code).toBe('forbidden');
    const invalid = await grant(alice, { nonsense: true });
    expect(invalid.statusCode).toBe(403);
    const anonymous = await grant({}, { user: 'alice', amount: 100, reason: 'x' });
    expect(anonymous.statusCode).toBe(401);
    const balance = await h.app.inject({ url: '/api/v1/credits' });
    expect(balance.statusCode).toBe(401);
  });
});
