import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { BUDGETS_URL, createOrg, saveKey } from './support/budget-fixtures.js';

describe('budgets API: bad input gets a 400 naming the field', () => {
  let h: ApiHarness;
  let alice: Record<string, string>;
  let orgId: string;
  let keyId: string;
  beforeAll(async () => {
    h = await startApiHarness('budgets_error');
    alice = { authorization: `Bearer ${await h.token('alice')}` };
    orgId = await createOrg(h, { alice: 'admin', bob: 'member' });
    keyId = await saveKey(h, alice, 'openai', 'alice-error-key');
  });
  afterAll(() => h?.close());

  const base = { scope: 'user', period: 'day', limits: { requests: 10 } };
  const create = (payload: unknown) => h.app.inject({ method: 'POST', url: BUDGETS_URL, headers: { ...alice, 'content-type': 'application/json' }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });

  const cases: Array<[string, unknown, string, string?]> = [
    ['unknown scope', { ...base, scope: 'team' }, 'body/scope'],
    ['unknown period', { ...base, period: 'year' }, 'body/period'],
    ['unknown action', { ...base, action: 'explode' }, 'body/action'],
    ['missing period', { scope: 'user', limits: { requests: 1 } }, 'body'],
    ['missing limits', { scope: 'user', period: 'day' }, 'body'],
    ['unknown field', { ...base, owner_id: 'bob' }, 'body'],
    ['scope_id on a user budget', { ...base, scope_id: 'alice' }, 'body/scope_id'],
    ['no scope_id on a provider budget', { ...base, scope: 'provider' }, 'body/scope_id'],
    ['no scope_id on a key budget', { ...base, scope: 'key' }, 'body/scope_id'],
    ['no scope_id on an org budget', { ...base, scope: 'org' }, 'body/scope_id'],
    ['empty scope_id', { ...base, scope: 'provider', scope_id: '' }, 'body/scope_id'],
    ['unknown provider', { ...base, scope: 'provider', scope_id: 'openai2' }, 'body/scope_id', 'unknown_provider'],
    ['NUL in scope_id', { ...base, scope: 'provider', scope_id: 'open\u0000ai' }, 'body/scope_id'],
    ['lone surrogate in scope_id', { ...base, scope: 'provider', scope_id: 'open\ud800ai' }, 'body/scope_id'],
    ['over-long scope_id', { ...base, scope: 'org_member', scope_id: `x/${'y'.repeat(400)}` }, 'body/scope_id'],
    ['org_member scope_id without a slash', { ...base, scope: 'org_member', scope_id: 'no-slash' }, 'body/scope_id'],
    ['unknown time zone', { ...base, time_zone: 'Mars/Olympus' }, 'body/time_zone'],
    ['UTC offset for a time zone', { ...base, time_zone: '+05:30' }, 'body/time_zone'],
    ['NUL in the time zone', { ...base, time_zone: 'UTC\u0000' }, 'body/time_zone'],
    ['lone surrogate in the time zone', { ...base, time_zone: '\udc00UTC' }, 'body/time_zone'],
    ['no limit', { ...base, limits: {} }, 'body/limits'],
    ['unknown limit', { ...base, limits: { dollars: 5 } }, 'body/limits'],
    ['negative limit', { ...base, limits: { requests: -1 } }, 'body/limits/requests'],
    ['fractional limit', { ...base, limits: { tokens: 1.5 } }, 'body/limits/tokens'],
    ['limit above the safe integers', { ...base, limits: { spend_micro_usd: 9007199254740992 } }, 'body/limits/spend_micro_usd'],
    ['huge limit', { ...base, limits: { spend_micro_usd: 1e300 } }, 'body/limits/spend_micro_usd'],
    ['limit as an object', { ...base, limits: { requests: { $gt: 1 } } }, 'body/limits/requests'],
    ['threshold 0', { ...base, thresholds: [0] }, 'body/thresholds/0'],
    ['threshold above 100', { ...base, thresholds: [80, 101] }, 'body/thresholds/1'],
    ['duplicate thresholds', { ...base, thresholds: [80, 80] }, 'body/thresholds'],
    ['eleven thresholds', { ...base, thresholds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] }, 'body/thresholds'],
    ['disable_key on a user budget', { ...base, action: 'disable_key' }, 'body/action'],
    ['disable_key on a provider budget', { ...base, scope: 'provider', scope_id: 'openai', action: 'disable_key' }, 'body/action'],
  ];

  it.each(cases)('%s', async (_name, payload, path, code = 'validation_failed') => {
    const res = await create(payload);
    expect(res.statusCode, res.body).toBe(400);
    const error = res.json().error;
    expect(error.code).toBe(code);
    expect(error.details?.map((d: { path: string }) => d.path) ?? [], error.message).toContain(path);
  });

  it('refuses a member who is not in the organization with a 400 naming scope_id', async () => {
    const res = await create({ ...base, scope: 'org_member', scope_id: `${orgId}/mallory` });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([{ path: 'body/scope_id', message: 'names no member of the organization' }]);
  });

  it('refuses deep nesting and malformed JSON without a 500', async () => {
    const deep = `{"scope":"user","period":"day","limits":${'{"a":'.repeat(200)}1${'}'.repeat(200)}}`;
    const nested = await create(deep);
    expect(nested.statusCode).toBe(400);
    expect((await create('{"scope":')).json().error.code).toBe('invalid_json');
  });

  it('answers 409 budget_exists for a second budget of the same scope and period, also to concurrent creates', async () => {
    const payload = { scope: 'key', scope_id: keyId, period: 'week', limits: { tokens: 5 } };
    const results = await Promise.all([create(payload), create(payload), create({ ...payload, scope_id: keyId.toUpperCase() })]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409]);
    const conflict = results.find((r) => r.statusCode === 409);
    expect(conflict?.json().error.code).toBe('budget_exists');
    // Another period of the same scope is another budget.
    expect((await create({ ...payload, period: 'day' })).statusCode).toBe(201);
  });

  it('checks a change like a new budget: empty body, bad fields, disable_key outside keys, and a period that collides', async () => {
    const user = (await create({ ...base, period: 'month' })).json<{ id: string }>();
    const daily = (await create({ ...base, scope: 'provider', scope_id: 'groq' })).json<{ id: string }>();
    const weekly = (await create({ ...base, scope: 'provider', scope_id: 'groq', period: 'week' })).json<{ id: string }>();
    const patch = (id: string, payload: object) => h.app.inject({ method: 'PATCH', url: `${BUDGETS_URL}/${id}`, headers: alice, payload });
    const expectField = async (id: string, payload: object, path: string, status = 400) => {
      const res = await patch(id, payload);
      expect(res.statusCode, res.body).toBe(status);
      if (status === 400) expect(res.json().error.details.map((d: { path: string }) => d.path)).toContain(path);
      return res;
    };
    await expectField(user.id, {}, 'body');
    await expectField(user.id, { scope: 'provider' }, 'body');
    await expectField(user.id, { scope_id: 'openai' }, 'body');
    await expectField(user.id, { action: 'disable_key' }, 'body/action');
    await expectField(user.id, { time_zone: 'Nowhere/Town' }, 'body/time_zone');
    await expectField(user.id, { limits: {} }, 'body/limits');
    await expectField(user.id, { thresholds: [50, 50] }, 'body/thresholds');
    const collision = await expectField(daily.id, { period: 'week' }, '', 409);
    expect(collision.json().error.code).toBe('budget_exists');
    expect((await patch(weekly.id, { period: 'month' })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: `${BUDGETS_URL}/not-a-uuid`, headers: alice })).statusCode).toBe(400);
  });
});
