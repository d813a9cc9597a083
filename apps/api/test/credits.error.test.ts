import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../../../test/support/api-harness.js';

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
