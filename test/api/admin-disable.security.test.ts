import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_KEYS, startApiHarness, type ApiHarness } from '../support/api-harness.js';

/**
 * Finding "An admin's disable is not sticky" (#12): the owner re-enabled a key an admin disabled
 * with one toggle. Now an admin's disable holds until an admin lifts it; the owner's toggle
 * answers 403 saying when and why, and the key view shows it.
 */
describe("an admin's disable holds until an admin lifts it", () => {
  let h: ApiHarness;
  let alice: Record<string, string>;
  let admin: Record<string, string>;
  let keyId: string;
  beforeAll(async () => {
    h = await startApiHarness('admin_disable');
    alice = { authorization: `Bearer ${await h.token('alice')}` };
    admin = { authorization: `Bearer ${await h.token('root', { admin: true })}` };
    const saved = await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: alice, payload: { provider: 'groq', api_key: FAKE_KEYS.groq } });
    keyId = saved.json().id;
  });
  afterAll(() => h.close());

  const toggle = (payload?: unknown) =>
    h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys/groq/toggle', headers: alice, ...(payload === undefined ? {} : { payload: payload as string }) });
  const view = async () => (await h.app.inject({ url: '/api/v1/llm/byok/keys/groq', headers: alice })).json();

  it('the owner cannot enable (nor flip) a key an admin disabled, and sees why', async () => {
    const disabled = await h.app.inject({ method: 'POST', url: `/api/v1/admin/byok/keys/${keyId}/disable`, headers: admin, payload: { reason: 'leaked in a public repo' } });
    expect(disabled.statusCode, disabled.body).toBe(200);
    expect(disabled.json()).toMatchObject({ enabled: false, admin_disabled: { reason: 'leaked in a public repo' } });

    for (const attempt of [await toggle({ enabled: true }), await toggle()]) {
      expect(attempt.statusCode, attempt.body).toBe(403);
      expect(attempt.json().error).toMatchObject({ code: 'forbidden' });
      expect(attempt.json().error.message).toMatch(/^An administrator disabled this key on \d{4}-\d{2}-\d{2}T.* \(reason: leaked in a public repo\)\. Only an administrator can enable it again\.$/);
    }
    const key = await view();
    expect(key).toMatchObject({ enabled: false, usable: false, admin_disabled: { reason: 'leaked in a public repo' } });
    expect(Date.parse(key.admin_disabled.at)).not.toBeNaN();
    // Disabling it again (already off) is no error; replacing the key does not lift the disable.
    expect((await toggle({ enabled: false })).statusCode).toBe(200);
    await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: alice, payload: { provider: 'groq', api_key: FAKE_KEYS.groq } });
    expect(await view()).toMatchObject({ enabled: false, admin_disabled: { reason: 'leaked in a public repo' } });
    expect(await h.db.sql(`SELECT enabled FROM user_provider_keys WHERE id = '${keyId}'`)).toEqual([{ enabled: false }]);
  });

  it('an admin lifts it; then the owner toggles freely again', async () => {
    const enabled = await h.app.inject({ method: 'POST', url: `/api/v1/admin/byok/keys/${keyId}/enable`, headers: admin });
    expect(enabled.statusCode, enabled.body).toBe(200);
    expect(enabled.json()).toMatchObject({ enabled: true, admin_disabled: null });
    expect(await view()).toMatchObject({ enabled: true, admin_disabled: null });
    expect((await toggle({ enabled: false })).json()).toMatchObject({ enabled: false, admin_disabled: null });
    expect((await toggle({ enabled: true })).json()).toMatchObject({ enabled: true });
  });

  it('records who disabled and enabled it, and why, in the audit log', async () => {
    const rows = await h.db.sql<{ action: string; actor_id: string; details: Record<string, unknown> }>(
      `SELECT action, actor_id, details FROM audit_log WHERE key_id = '${keyId}' AND action IN ('key.disabled', 'key.enabled') ORDER BY id`,
    );
    expect(rows.slice(0, 2)).toEqual([
      { action: 'key.disabled', actor_id: 'root', details: { by_admin: true, reason: 'leaked in a public repo' } },
      { action: 'key.enabled', actor_id: 'root', details: { by_admin: true } },
    ]);
  });

  it('only admins reach the enable route, and a reason must be text', async () => {
    expect((await h.app.inject({ method: 'POST', url: `/api/v1/admin/byok/keys/${keyId}/enable`, headers: alice })).statusCode).toBe(403);
    const bad = await h.app.inject({ method: 'POST', url: `/api/v1/admin/byok/keys/${keyId}/disable`, headers: { ...admin, 'content-type': 'application/json' }, payload: '{"reason":"x\\ud800"}' });
    expect(bad.statusCode, bad.body).toBe(400);
    expect(bad.json().error.message).toMatch(/^body\/reason: /);
  });
});
