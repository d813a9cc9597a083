import { periodWindow } from '@byok/budgets';
import { budgetChangeChannel } from '@byok/queues';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../proxy/support/proxy-harness.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { BUDGETS_URL, createOrg, createOrgKey, recordUsage, saveKey } from './support/budget-fixtures.js';

describe('budgets API: happy paths', () => {
  let h: ApiHarness;
  let alice: Record<string, string>;
  let carol: Record<string, string>;
  let subscriber: Redis;
  const announced: string[] = [];

  beforeAll(async () => {
    h = await startApiHarness('budgets_happy');
    alice = { authorization: `Bearer ${await h.token('alice')}` };
    carol = { authorization: `Bearer ${await h.token('carol')}` };
    subscriber = new Redis(h.config.redisUrl);
    subscriber.on('message', (_channel, message: string) => announced.push(message));
    await subscriber.subscribe(budgetChangeChannel(h.redisPrefix));
  });
  afterAll(async () => {
    subscriber?.disconnect();
    await h?.close();
  });

  const create = (headers: Record<string, string>, payload: object) => h.app.inject({ method: 'POST', url: BUDGETS_URL, headers, payload });

  it('creates a user budget with the defaults and shows its period, use and remaining amounts', async () => {
    const res = await create(alice, { scope: 'user', period: 'day', limits: { requests: 100, spend_micro_usd: 5_000_000 } });
    expect(res.statusCode, res.body).toBe(201);
    const window = periodWindow('day', 'UTC', Date.now());
    expect(res.json()).toMatchObject({
      scope: 'user',
      scope_id: null,
      org_id: null,
      can_manage: true,
      period: 'day',
      time_zone: 'UTC',
      limits: { requests: 100, spend_micro_usd: 5_000_000 },
      thresholds: [80, 90],
      action: 'block',
      use: { requests: 0, tokens: 0, spend_micro_usd: 0 },
      remaining: { requests: 100, spend_micro_usd: 5_000_000 },
      period_start: new Date(window.startMs).toISOString(),
      resets_at: new Date(window.endMs).toISOString(),
      created_by: 'alice',
    });
    await waitFor(async () => announced.includes('alice'), 5_000, 'the change announced with the owner id');
  });

  it("counts the period's use from the record, per scope, and never shows a negative remainder", async () => {
    const keyId = await saveKey(h, alice, 'openai', 'alice-budget-key');
    expect((await create(alice, { scope: 'provider', scope_id: ' OpenAI', period: 'month', limits: { tokens: 25 } })).json().scope_id).toBe('openai');
    await create(alice, { scope: 'key', scope_id: keyId.toUpperCase(), period: 'week', limits: { spend_micro_usd: 1_000 }, action: 'disable_key' });
    await recordUsage(h, { userId: 'alice', provider: 'openai', keyId, tokens: 20, costMicro: 700 });
    await recordUsage(h, { userId: 'alice', provider: 'anthropic', tokens: 10, costMicro: 600 });
    // Last month counts in no current period.
    await recordUsage(h, { userId: 'alice', provider: 'openai', keyId, tokens: 1000, costMicro: 1, at: new Date(Date.now() - 40 * 86_400_000) });
    const res = await h.app.inject({ url: BUDGETS_URL, headers: alice });
    expect(res.statusCode).toBe(200);
    const byScope = Object.fromEntries(res.json<{ budgets: Array<{ scope: string }> }>().budgets.map((b) => [b.scope, b]));
    expect(byScope.user).toMatchObject({ use: { requests: 2, tokens: 30, spend_micro_usd: 1_300 }, remaining: { requests: 98, spend_micro_usd: 4_998_700 } });
    expect(byScope.provider).toMatchObject({ scope_id: 'openai', use: { requests: 1, tokens: 20, spend_micro_usd: 700 }, remaining: { tokens: 5 } });
    expect(byScope.key).toMatchObject({ scope_id: keyId, action: 'disable_key', use: { spend_micro_usd: 700 }, remaining: { spend_micro_usd: 300 } });
    await recordUsage(h, { userId: 'alice', provider: 'openai', keyId, tokens: 10, costMicro: 900 });
    const again = (await h.app.inject({ url: BUDGETS_URL, headers: alice })).json<{ budgets: Array<{ scope: string; remaining: object }> }>().budgets;
    expect(again.find((b) => b.scope === 'key')?.remaining).toEqual({ spend_micro_usd: 0 });
  });

  it('stores the canonical time zone name and resets at local midnight there', async () => {
    const res = await create(alice, { scope: 'user', period: 'month', time_zone: 'america/new_york', limits: { tokens: 0 }, thresholds: [95, 50, 75] });
    expect(res.statusCode, res.body).toBe(201);
    const window = periodWindow('month', 'America/New_York', Date.now());
    expect(res.json()).toMatchObject({ time_zone: 'America/New_York', thresholds: [50, 75, 95], resets_at: new Date(window.endMs).toISOString(), limits: { tokens: 0 }, remaining: { tokens: 0 } });
  });

  it('lets org owners and admins manage org, member and org-key budgets, and members read the ones about them', async () => {
    const orgId = await createOrg(h, { carol: 'owner', dave: 'admin', erin: 'member' });
    const orgKey = await createOrgKey(h, orgId, 'anthropic');
    const dave = { authorization: `Bearer ${await h.token('dave')}` };
    const erin = { authorization: `Bearer ${await h.token('erin')}` };
    const org = await create(carol, { scope: 'org', scope_id: orgId.toUpperCase(), period: 'month', limits: { spend_micro_usd: 100_000_000 } });
    expect(org.statusCode, org.body).toBe(201);
    expect(org.json()).toMatchObject({ scope_id: orgId, org_id: orgId, created_by: 'carol' });
    const member = await create(dave, { scope: 'org_member', scope_id: `${orgId}/erin`, period: 'day', limits: { requests: 50 } });
    expect(member.statusCode, member.body).toBe(201);
    const key = await create(dave, { scope: 'key', scope_id: orgKey, period: 'day', limits: { tokens: 1_000 }, action: 'disable_key' });
    expect(key.statusCode, key.body).toBe(201);
    expect(key.json()).toMatchObject({ org_id: orgId, scope_id: orgKey });
    await waitFor(async () => announced.includes(`org:${orgId}`), 5_000, 'the org budget change announced with the org owner id');

    await recordUsage(h, { userId: 'erin', provider: 'anthropic', keyId: orgKey, orgId, tokens: 40, costMicro: 4_000 });
    await recordUsage(h, { userId: 'erin', provider: 'openai', tokens: 5, costMicro: 1 });
    const forDave = (await h.app.inject({ url: BUDGETS_URL, headers: dave })).json<{ budgets: Array<{ scope: string; can_manage: boolean; use: { requests: number } }> }>().budgets;
    expect(forDave.map((b) => [b.scope, b.can_manage, b.use.requests]).sort()).toEqual([
      ['key', true, 1],
      ['org', true, 1],
      ['org_member', true, 1],
    ]);
    const forErin = (await h.app.inject({ url: BUDGETS_URL, headers: erin })).json<{ budgets: Array<{ id: string; scope: string; can_manage: boolean }> }>().budgets;
    expect(forErin.map((b) => [b.scope, b.can_manage])).toEqual([['org_member', false]]);
    const one = await h.app.inject({ url: `${BUDGETS_URL}/${forErin[0]?.id}`, headers: erin });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ scope_id: `${orgId}/erin`, use: { requests: 1, tokens: 40 } });
  });

  it('changes a budget, audits every change and deletes it', async () => {
    const created = (await create(alice, { scope: 'provider', scope_id: 'groq', period: 'day', limits: { requests: 1 } })).json<{ id: string }>();
    const patched = await h.app.inject({ method: 'PATCH', url: `${BUDGETS_URL}/${created.id}`, headers: alice, payload: { limits: { tokens: 9 }, thresholds: [], action: 'notify', period: 'week', time_zone: 'Asia/Kolkata' } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ limits: { tokens: 9 }, remaining: { tokens: 9 }, thresholds: [], action: 'notify', period: 'week', time_zone: 'Asia/Kolkata' });
    expect(patched.json().limits).not.toHaveProperty('requests');
    const deleted = await h.app.inject({ method: 'DELETE', url: `${BUDGETS_URL}/${created.id}`, headers: alice });
    expect(deleted.statusCode).toBe(204);
    expect((await h.app.inject({ url: `${BUDGETS_URL}/${created.id}`, headers: alice })).statusCode).toBe(404);
    const audit = await h.db.sql<{ action: string; subject_user_id: string; provider: string; details: Record<string, unknown> }>(
      "SELECT action, subject_user_id, provider, details FROM audit_log WHERE details->>'budget_id' = $1 ORDER BY id",
      [created.id],
    );
    expect(audit.map((a) => a.action)).toEqual(['budget.created', 'budget.updated', 'budget.deleted']);
    expect(audit[1]).toMatchObject({ subject_user_id: 'alice', provider: 'groq', details: { scope: 'provider', scope_id: 'groq', limits: { tokens: 9 }, changed: ['action', 'limits', 'period', 'thresholds', 'time_zone'] } });
    const orgAudit = await h.db.sql<{ subject_user_id: string; details: Record<string, unknown> }>("SELECT subject_user_id, details FROM audit_log WHERE action = 'budget.created' AND details->>'scope' = 'org'");
    expect(orgAudit[0]?.subject_user_id).toMatch(/^org:/);
    expect(orgAudit[0]?.details.org_id).toBe(orgAudit[0]?.subject_user_id.slice(4));
  });
});
