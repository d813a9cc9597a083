import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyUsageEvents } from '@byok/db';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';

describe('credits API: happy paths', () => {
  let h: ApiHarness;
  let alice: Record<string, string>;
  let admin: Record<string, string>;
  beforeAll(async () => {
    h = await startApiHarness('credits_happy');
    alice = { authorization: `Bearer ${await h.token('alice')}` };
    admin = { authorization: `Bearer ${await h.token('root', { admin: true })}` };
  });
  afterAll(() => h.close());

  const grant = (payload: object) => h.app.inject({ method: 'POST', url: '/api/v1/admin/credits/grant', headers: { ...admin, 'user-agent': 'admin-console' }, payload });

  it('shows a zero balance and an empty ledger for a user without an account', async () => {
    const res = await h.app.inject({ url: '/api/v1/credits', headers: alice });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ user_id: 'alice', balance_micro: 0, balance: '0.000000', ledger: [] });
  });

  it('grants credits exactly (decimal in, micro-credits stored) and returns the new balance', async () => {
    const first = await grant({ user: 'alice', amount: 10.1, reason: 'welcome' });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ user_id: 'alice', granted_micro: 10_100_000, granted: '10.100000', balance_micro: 10_100_000, balance: '10.100000' });
    const second = await grant({ user: 'alice', amount: '0.000001', reason: 'smallest unit, sent as text' });
    expect(second.json()).toMatchObject({ granted_micro: 1, balance_micro: 10_100_001, balance: '10.100001' });
  });

  it('writes the credits.granted audit record with the grant, naming the admin and the reason', async () => {
    const rows = await h.db.sql<{ actor_id: string; actor_type: string; action: string; subject_user_id: string; user_agent: string; details: Record<string, unknown> }>(
      `SELECT actor_id, actor_type, action, subject_user_id, user_agent, details FROM audit_log ORDER BY id`,
    );
    expect(rows).toEqual([
      { actor_id: 'root', actor_type: 'admin', action: 'credits.granted', subject_user_id: 'alice', user_agent: 'admin-console', details: { amount_micro: 10_100_000, balance_after_micro: 10_100_000, reason: 'welcome' } },
      { actor_id: 'root', actor_type: 'admin', action: 'credits.granted', subject_user_id: 'alice', user_agent: 'admin-console', details: { amount_micro: 1, balance_after_micro: 10_100_001, reason: 'smallest unit, sent as text' } },
    ]);
    // The subject sees the grants in their own audit trail.
    const audit = (await h.app.inject({ url: '/api/v1/audit?action=credits.granted', headers: alice })).json().items;
    expect(audit).toHaveLength(2);
  });

  it('shows the balance and the ledger newest first, charges included', async () => {
    await applyUsageEvents(h.db.orm.em.fork(), [
      {
        requestId: 'charged-1',
        userId: 'alice',
        provider: 'openai',
        model: 'gpt-4o-mini',
        credentialSource: 'system',
        statusCode: 200,
        stream: false,
        promptTokens: 1,
        completionTokens: 1,
        costMicro: 2_500_000,
        creditsMicro: 2_500_000,
        latencyMs: 1,
        occurredAt: new Date().toISOString(),
      },
    ]);
    const res = await h.app.inject({ url: '/api/v1/credits', headers: alice });
    const body = res.json();
    expect(body).toMatchObject({ user_id: 'alice', balance_micro: 7_600_001, balance: '7.600001' });
    expect(body.ledger.map((e: { kind: string; amount: string; balance_after: string }) => [e.kind, e.amount, e.balance_after])).toEqual([
      ['charge', '-2.500000', '7.600001'],
      ['grant', '0.000001', '10.100001'],
      ['grant', '10.100000', '10.100000'],
    ]);
    expect(body.ledger[0]).toMatchObject({ request_id: 'charged-1', actor_id: null });
    expect(body.ledger[2]).toMatchObject({ actor_id: 'root', details: { reason: 'welcome' } });
  });

  it('keeps the ledger view to the 50 most recent entries', async () => {
    for (let i = 0; i < 55; i++) expect((await grant({ user: 'dave', amount: 1, reason: `grant ${i}` })).statusCode).toBe(200);
    const dave = { authorization: `Bearer ${await h.token('dave')}` };
    const body = (await h.app.inject({ url: '/api/v1/credits', headers: dave })).json();
    expect(body.balance).toBe('55.000000');
    expect(body.ledger).toHaveLength(50);
    expect(body.ledger[0].details.reason).toBe('grant 54');
  });

  it('serialises concurrent grants: every one lands and the balance is their sum', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => grant({ user: 'erin', amount: 0.5, reason: `burst ${i}` })));
    expect(results.every((r) => r.statusCode === 200)).toBe(true);
    expect(results.map((r) => r.json().balance_micro).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => (i + 1) * 500_000));
    const [audits] = await h.db.sql<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE subject_user_id = 'erin'`);
    expect(audits?.n).toBe(20);
  });

  describe('with an Idempotency-Key', () => {
    const keyed = (key: string, payload: object) =>
      h.app.inject({ method: 'POST', url: '/api/v1/admin/credits/grant', headers: { ...admin, 'idempotency-key': key }, payload });
    const ledgerRows = async (user: string) => (await h.db.sql<{ n: number }>('SELECT count(*)::int AS n FROM credit_ledger WHERE user_id = $1', [user]))[0]?.n;
    const auditRows = async (user: string) => (await h.db.sql<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE subject_user_id = $1`, [user]))[0]?.n;

    it('applies a retried grant once and answers the retry with the first result', async () => {
      const first = await keyed('grant-frank-1', { user: 'frank', amount: 5, reason: 'refund' });
      expect(first.statusCode).toBe(200);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      expect((await grant({ user: 'frank', amount: 1, reason: 'unrelated, unkeyed' })).statusCode).toBe(200);
      const retry = await keyed('grant-frank-1', { user: 'frank', amount: 5, reason: 'refund' });
      expect(retry.statusCode).toBe(200);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      // The balance right after the first grant, not the current one.
      expect(retry.json()).toEqual(first.json());
      expect(first.json()).toMatchObject({ granted_micro: 5_000_000, balance_micro: 5_000_000 });
      expect((await h.app.inject({ url: '/api/v1/credits', headers: { authorization: `Bearer ${await h.token('frank')}` } })).json().balance_micro).toBe(6_000_000);
      expect(await ledgerRows('frank')).toBe(2);
      expect(await auditRows('frank')).toBe(2);
    });

    it('applies concurrent retries of one grant once', async () => {
      const results = await Promise.all(Array.from({ length: 10 }, () => keyed('grant-gina-1', { user: 'gina', amount: 2.5, reason: 'burst of retries' })));
      expect(results.map((r) => r.statusCode)).toEqual(Array(10).fill(200));
      expect(results.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(9);
      expect(new Set(results.map((r) => r.body))).toEqual(new Set([JSON.stringify({ user_id: 'gina', granted_micro: 2_500_000, granted: '2.500000', balance_micro: 2_500_000, balance: '2.500000' })]));
      expect(await ledgerRows('gina')).toBe(1);
      expect(await auditRows('gina')).toBe(1);
    });
  });
});
