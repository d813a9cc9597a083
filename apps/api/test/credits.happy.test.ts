import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyUsageEvents } from '@byok/db';
import { startApiHarness, type ApiHarness } from '../../../test/support/api-harness.js';

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
});
