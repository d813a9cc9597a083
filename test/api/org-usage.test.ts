import { applyUsageEvents } from '@byok/db';
import { fakeKey } from '@byok/mock-providers';
import type { UsageEvent } from '@byok/queues';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { insertOrg } from '../support/org-fixtures.js';

const DAY = '2026-11-20';

function event(requestId: string, userId: string, orgId: string | undefined, overrides: Partial<UsageEvent> = {}): UsageEvent {
  return {
    requestId,
    userId,
    provider: 'openai',
    model: 'gpt-4o-mini',
    credentialSource: 'user_provider',
    statusCode: 200,
    stream: false,
    promptTokens: 10,
    completionTokens: 5,
    costMicro: 1000,
    creditsMicro: 0,
    latencyMs: 20,
    occurredAt: `${DAY}T12:00:00.000Z`,
    ...(orgId === undefined ? {} : { orgId, orgKey: true }),
    ...overrides,
  };
}

describe('organization usage and audit API', () => {
  let h: ApiHarness;
  let org: string;
  let otherOrg: string;
  const headers: Record<string, Record<string, string>> = {};
  const as = (user: string) => headers[user] ?? {};
  const range = `from=${DAY}&to=${DAY}`;

  beforeAll(async () => {
    h = await startApiHarness('org_usage');
    org = await insertOrg(h.db, 'Acme', { olivia: 'owner', adam: 'admin', mia: 'member', max: 'member' });
    otherOrg = await insertOrg(h.db, 'Globex', { gina: 'owner', mia: 'member' });
    for (const user of ['olivia', 'adam', 'mia', 'max', 'gina', 'nora']) headers[user] = { authorization: `Bearer ${await h.token(user)}` };
    await applyUsageEvents(h.db.orm.em.fork(), [
      event('m1', 'mia', org),
      event('m2', 'mia', org, { model: '=HYPERLINK("http://evil.example","x")', provider: 'anthropic' }),
      event('m3', 'mia', org, { orgKey: false, credentialSource: 'system', creditsMicro: 1500 }),
      event('x1', 'max', org, { statusCode: 500 }),
      event('o1', 'olivia', org),
      // Mia's requests for another org, and for herself alone, are not this org's usage.
      event('g1', 'mia', otherOrg, { model: 'globex-secret-model' }),
      event('p1', 'mia', undefined, { model: 'mia-personal-model' }),
    ]);
  });
  afterAll(() => h.close());

  const usage = (user: string, query: string) => h.app.inject({ url: `/api/v1/orgs/${org}/usage?${range}&${query}`, headers: as(user) });

  it("gives owners and admins every member's usage, grouped by member, with the org key's share as byok", async () => {
    for (const user of ['olivia', 'adam']) {
      const res = await usage(user, 'group_by=member');
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ org_id: org, scope: 'organization', from: DAY, to: DAY, group_by: 'member' });
      expect(body.groups.map((g: { key: string; calls: number }) => [g.key, g.calls])).toEqual([
        ['max', 1],
        ['mia', 3],
        ['olivia', 1],
      ]);
      expect(body.totals).toMatchObject({ calls: 5, errors: 1, byok_calls: 4, credits_charged_micro: 1500, cost_micro: 5000, credits_saved_micro: 4000 });
      expect(res.body).not.toContain('globex-secret-model');
      expect(res.body).not.toContain('mia-personal-model');
    }
    const byProvider = await usage('adam', 'group_by=provider');
    expect(byProvider.json().groups.map((g: { key: string; calls: number }) => [g.key, g.calls])).toEqual([
      ['anthropic', 1],
      ['openai', 4],
    ]);
    const byDay = await usage('adam', 'group_by=day&provider=openai');
    expect(byDay.json()).toMatchObject({ provider: 'openai', groups: [{ key: DAY, calls: 4 }] });
  });

  it('gives a member only their own rows, whatever the grouping', async () => {
    const res = await usage('mia', 'group_by=member');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ scope: 'member', groups: [{ key: 'mia', calls: 3 }], totals: { calls: 3 } });
    const byModel = await usage('max', 'group_by=model');
    expect(byModel.json().groups.map((g: { key: string }) => g.key)).toEqual(['gpt-4o-mini']);
    expect(byModel.body).not.toContain('mia');
  });

  it('exports the same groups as CSV, neutralising formulas in model names', async () => {
    const res = await h.app.inject({ url: `/api/v1/orgs/${org}/usage.csv?${range}&group_by=model`, headers: as('adam') });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toContain(`org-usage-${DAY}-${DAY}-by-model.csv`);
    const lines = res.body.trim().split('\r\n');
    expect(lines[0]).toMatch(/^model,calls,errors,/);
    expect(lines).toHaveLength(3);
    expect(lines.find((l) => l.includes('HYPERLINK'))).toMatch(/^"'=HYPERLINK\(""http/);
    const mine = await h.app.inject({ url: `/api/v1/orgs/${org}/usage.csv?${range}`, headers: as('max') });
    expect(mine.body.trim().split('\r\n').slice(1).map((l) => l.split(',')[0])).toEqual(['max']);
  });

  it('refuses bad input with a 400 naming the field, and a non-member with 404', async () => {
    for (const [query, field] of [
      ['group_by=credential_source', 'group_by'],
      ['from=2026-02-30', 'from'],
      [`from=${DAY}&to=2026-01-01`, 'to'],
      ['provider=nope', 'provider'],
      ['user=olivia', 'user'],
    ] as const) {
      const res = await h.app.inject({ url: `/api/v1/orgs/${org}/usage?${query}`, headers: as('adam') });
      expect(res.statusCode, `${query}: ${res.body}`).toBe(400);
      expect(JSON.stringify(res.json().error)).toContain(field);
    }
    const nul = await h.app.inject({ url: `/api/v1/orgs/${org}/usage?model=a%00b`, headers: as('adam') });
    expect(nul.statusCode, nul.body).toBeGreaterThanOrEqual(400);
    expect(nul.statusCode).toBeLessThan(500);
    for (const url of [`/api/v1/orgs/${org}/usage`, `/api/v1/orgs/${org}/usage.csv`, `/api/v1/orgs/${org}/audit`, '/api/v1/orgs/not-an-org/usage']) {
      const res = await h.app.inject({ url, headers: as('nora') });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(404);
      expect(res.json().error.code).toBe('org_not_found');
    }
  });

  it("pages the org's audit trail for owners and admins only: org key changes with the acting admin, nothing personal", async () => {
    const save = await h.app.inject({ method: 'POST', url: `/api/v1/orgs/${org}/byok/keys`, headers: as('adam'), payload: { provider: 'groq', api_key: fakeKey('groq', 'valid', 'org-audit') } });
    expect(save.statusCode, save.body).toBe(201);
    await h.app.inject({ method: 'POST', url: `/api/v1/orgs/${org}/byok/keys/groq/toggle`, headers: as('olivia') });
    await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: as('olivia'), payload: { provider: 'groq', api_key: fakeKey('groq', 'valid', 'olivia-personal') } });
    await h.app.inject({ method: 'POST', url: `/api/v1/orgs/${otherOrg}/byok/keys`, headers: as('gina'), payload: { provider: 'groq', api_key: fakeKey('groq', 'valid', 'globex') } });

    const first = await h.app.inject({ url: `/api/v1/orgs/${org}/audit?limit=1`, headers: as('adam') });
    expect(first.statusCode, first.body).toBe(200);
    const page1 = first.json<{ items: Array<{ action: string; actor_id: string; subject_user_id: string }>; next_cursor: string }>();
    expect(page1.items).toEqual([expect.objectContaining({ action: 'key.disabled', actor_id: 'olivia', subject_user_id: `org:${org}` })]);
    const second = await h.app.inject({ url: `/api/v1/orgs/${org}/audit?limit=1&cursor=${page1.next_cursor}`, headers: as('olivia') });
    const page2 = second.json<{ items: Array<{ action: string; actor_id: string }>; next_cursor: string | null }>();
    expect(page2).toEqual({ items: [expect.objectContaining({ action: 'key.created', actor_id: 'adam' })], next_cursor: null });

    const csv = await h.app.inject({ url: `/api/v1/orgs/${org}/audit?format=csv`, headers: as('adam') });
    expect(csv.statusCode).toBe(200);
    expect(csv.body.trim().split('\r\n')).toHaveLength(3);
    const member = await h.app.inject({ url: `/api/v1/orgs/${org}/audit`, headers: as('mia') });
    expect(member.statusCode).toBe(403);
    expect(member.json().error.code).toBe('org_role_required');
    const withUser = await h.app.inject({ url: `/api/v1/orgs/${org}/audit?user=olivia`, headers: as('adam') });
    expect(withUser.statusCode).toBe(400);
    const badCursor = await h.app.inject({ url: `/api/v1/orgs/${org}/audit?cursor=bm9uZQ`, headers: as('adam') });
    expect(badCursor.statusCode).toBe(400);
  });

  it("reports what the org's key for a provider served, to owners and admins, 404 without such a key", async () => {
    const keyUsage = (user: string, provider: string) => h.app.inject({ url: `/api/v1/orgs/${org}/byok/keys/${provider}/usage?${range}`, headers: as(user) });
    expect((await keyUsage('adam', 'openai')).statusCode).toBe(404);
    const save = await h.app.inject({ method: 'POST', url: `/api/v1/orgs/${org}/byok/keys`, headers: as('adam'), payload: { provider: 'openai', api_key: fakeKey('openai', 'valid', 'org-usage') } });
    expect(save.statusCode, save.body).toBe(201);
    const res = await keyUsage('olivia', 'openai');
    expect(res.statusCode, res.body).toBe(200);
    // The org key served m1, x1 and o1; m3 went through the platform, g1 was another org's.
    expect(res.json()).toMatchObject({
      provider: 'openai',
      totals: { calls: 3, errors: 1, byok_calls: 3 },
      by_model: [{ model: 'gpt-4o-mini', calls: 3 }],
      by_day: [{ day: DAY, calls: 3 }],
      last_used_at: `${DAY}T12:00:00.000Z`,
    });
    expect((await keyUsage('mia', 'openai')).json().error.code).toBe('org_role_required');
    expect((await keyUsage('nora', 'openai')).json().error.code).toBe('org_not_found');
    expect((await keyUsage('adam', 'nope')).statusCode).toBe(400);
  });
});
