import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { BUDGETS_URL, createOrg, createOrgKey, saveKey } from './support/budget-fixtures.js';

const NOBODY_UUID = '00000000-0000-4000-8000-00000000dead';

describe("budgets API: another user's or organization's budgets", () => {
  let h: ApiHarness;
  const headers: Record<string, Record<string, string>> = {};
  let orgId: string;
  let orgKeyId: string;
  let bobKeyId: string;
  const ids: Record<string, string> = {};

  const as = (user: string) => headers[user] ?? {};
  const create = async (user: string, payload: object) => {
    const res = await h.app.inject({ method: 'POST', url: BUDGETS_URL, headers: as(user), payload });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ id: string }>().id;
  };

  beforeAll(async () => {
    h = await startApiHarness('budgets_security');
    for (const user of ['alice', 'bob', 'carol', 'erin', 'frank']) headers[user] = { authorization: `Bearer ${await h.token(user)}` };
    // Carol owns the organization; Erin and Frank are plain members; Alice and Bob are not in it.
    orgId = await createOrg(h, { carol: 'owner', erin: 'member', frank: 'member' });
    orgKeyId = await createOrgKey(h, orgId, 'openai');
    bobKeyId = await saveKey(h, as('bob'), 'anthropic', 'bob-secret-key');
    ids.bobUser = await create('bob', { scope: 'user', period: 'day', limits: { requests: 5 } });
    ids.bobKey = await create('bob', { scope: 'key', scope_id: bobKeyId, period: 'day', limits: { tokens: 5 } });
    ids.org = await create('carol', { scope: 'org', scope_id: orgId, period: 'month', limits: { spend_micro_usd: 5 } });
    ids.orgKey = await create('carol', { scope: 'key', scope_id: orgKeyId, period: 'month', limits: { spend_micro_usd: 5 } });
    ids.erin = await create('carol', { scope: 'org_member', scope_id: `${orgId}/erin`, period: 'day', limits: { requests: 5 } });
    ids.frank = await create('carol', { scope: 'org_member', scope_id: `${orgId}/frank`, period: 'day', limits: { requests: 5 } });
  });
  afterAll(() => h?.close());

  const budgetRows = async () => JSON.stringify(await h.db.sql('SELECT * FROM budgets ORDER BY id'));
  const methods = (id: string) =>
    [
      ['GET', `${BUDGETS_URL}/${id}`, undefined],
      ['PATCH', `${BUDGETS_URL}/${id}`, { limits: { requests: 1_000_000 }, action: 'notify' }],
      ['DELETE', `${BUDGETS_URL}/${id}`, undefined],
    ] as const;

  /** Every method on `id` answers 404 exactly as for an id nobody has. */
  async function expectInvisible(user: string, id: string) {
    const nobody = methods(NOBODY_UUID);
    for (const [i, [method, url, payload]] of methods(id).entries()) {
      const res = await h.app.inject({ method, url, headers: as(user), ...(payload ? { payload } : {}) });
      const [, controlUrl] = nobody[i] ?? [];
      const control = await h.app.inject({ method, url: controlUrl ?? '', headers: as(user), ...(payload ? { payload } : {}) });
      expect(res.statusCode, `${user} ${method} ${url}`).toBe(404);
      expect(res.json().error).toMatchObject({ code: 'not_found', message: control.json().error.message });
      expect(res.body).not.toContain(id);
    }
  }

  it("are 404 on every method to another user, exactly like a budget nobody has, and stay as they were", async () => {
    const before = await budgetRows();
    for (const id of [ids.bobUser, ids.bobKey]) await expectInvisible('alice', id ?? '');
    for (const id of [ids.org, ids.orgKey, ids.erin, ids.frank]) {
      await expectInvisible('alice', id ?? '');
      await expectInvisible('bob', id ?? '');
    }
    expect(await budgetRows()).toBe(before);
  });

  it("keeps members away from the organization's budgets except the ones about themselves, which they only read", async () => {
    const before = await budgetRows();
    for (const id of [ids.org, ids.orgKey, ids.frank]) await expectInvisible('erin', id ?? '');
    expect((await h.app.inject({ url: `${BUDGETS_URL}/${ids.erin}`, headers: as('erin') })).statusCode).toBe(200);
    const patch = await h.app.inject({ method: 'PATCH', url: `${BUDGETS_URL}/${ids.erin}`, headers: as('erin'), payload: { limits: { requests: 1_000_000 } } });
    expect(patch.statusCode).toBe(403);
    expect(patch.json().error.code).toBe('forbidden');
    expect((await h.app.inject({ method: 'DELETE', url: `${BUDGETS_URL}/${ids.erin}`, headers: as('erin') })).statusCode).toBe(403);
    const listed = (await h.app.inject({ url: BUDGETS_URL, headers: as('erin') })).json<{ budgets: Array<{ id: string }> }>().budgets;
    expect(listed.map((b) => b.id)).toEqual([ids.erin]);
    expect(await budgetRows()).toBe(before);
  });

  it('lets no member create organization budgets (403) and no outsider learn the organization exists (404)', async () => {
    const before = await budgetRows();
    const attempts = [
      { scope: 'org', scope_id: orgId },
      { scope: 'org_member', scope_id: `${orgId}/erin` },
      { scope: 'key', scope_id: orgKeyId },
    ];
    for (const attempt of attempts) {
      const payload = { ...attempt, period: 'week', limits: { requests: 1 } };
      const member = await h.app.inject({ method: 'POST', url: BUDGETS_URL, headers: as('erin'), payload });
      expect(member.statusCode, `${attempt.scope}: ${member.body}`).toBe(403);
      const outsider = await h.app.inject({ method: 'POST', url: BUDGETS_URL, headers: as('alice'), payload });
      expect(outsider.statusCode, `${attempt.scope}: ${outsider.body}`).toBe(404);
    }
    const unknownOrg = await h.app.inject({ method: 'POST', url: BUDGETS_URL, headers: as('alice'), payload: { scope: 'org', scope_id: NOBODY_UUID, period: 'week', limits: { requests: 1 } } });
    const knownOrg = await h.app.inject({ method: 'POST', url: BUDGETS_URL, headers: as('alice'), payload: { scope: 'org', scope_id: orgId, period: 'week', limits: { requests: 1 } } });
    expect(knownOrg.json().error.message).toBe(unknownOrg.json().error.message);
    expect(await budgetRows()).toBe(before);
  });

  it("answers 404 to a key budget on another user's key, as for a key that does not exist", async () => {
    const before = await budgetRows();
    const attempt = (scopeId: string) => h.app.inject({ method: 'POST', url: BUDGETS_URL, headers: as('alice'), payload: { scope: 'key', scope_id: scopeId, period: 'day', limits: { tokens: 1 } } });
    const theirs = await attempt(bobKeyId);
    expect(theirs.statusCode).toBe(404);
    expect(theirs.body).not.toContain(bobKeyId);
    for (const other of [NOBODY_UUID, 'not-a-uuid']) {
      const control = await attempt(other);
      expect(control.statusCode).toBe(404);
      expect(control.json().error.message).toBe(theirs.json().error.message);
    }
    expect(await budgetRows()).toBe(before);
  });

  it('takes the management away with the role: a demoted admin can no longer change the budgets, a removed member no longer sees hers', async () => {
    const danId = 'dan';
    headers[danId] = { authorization: `Bearer ${await h.token(danId)}` };
    await h.db.sql("INSERT INTO byok_org_members (org_id, user_id, role) VALUES ($1, 'dan', 'admin')", [orgId]);
    expect((await h.app.inject({ method: 'PATCH', url: `${BUDGETS_URL}/${ids.org}`, headers: as(danId), payload: { thresholds: [50] } })).statusCode).toBe(200);
    await h.db.sql("UPDATE byok_org_members SET role = 'member' WHERE org_id = $1 AND user_id = 'dan'", [orgId]);
    await expectInvisible(danId, ids.org ?? '');
    await h.db.sql("DELETE FROM byok_org_members WHERE org_id = $1 AND user_id = 'frank'", [orgId]);
    expect((await h.app.inject({ url: `${BUDGETS_URL}/${ids.frank}`, headers: as('frank') })).statusCode).toBe(404);
    expect((await h.app.inject({ url: BUDGETS_URL, headers: as('frank') })).json().budgets).toEqual([]);
  });
});
