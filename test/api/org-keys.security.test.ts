import { randomUUID } from 'node:crypto';
import { fakeKey } from '@byok/mock-providers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { insertOrg } from '../support/org-fixtures.js';

interface Call {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  payload?: Record<string, unknown>;
}

/** Every organization key route but the listing, pointed at `org` (and, by id, at `keyId`). */
function managementCalls(org: string, keyId: string): Call[] {
  const base = `/api/v1/orgs/${org}/byok/keys`;
  return [
    { method: 'POST', url: base, payload: { provider: 'openai', api_key: fakeKey('openai', 'valid', 'intruder'), label: 'default' } },
    { method: 'POST', url: `${base}?test_first=true`, payload: { provider: 'openai', api_key: fakeKey('openai', 'valid', 'intruder') } },
    { method: 'GET', url: `${base}/openai` },
    { method: 'DELETE', url: `${base}/openai` },
    { method: 'POST', url: `${base}/openai/toggle`, payload: { enabled: false } },
    { method: 'POST', url: `${base}/openai/test` },
    { method: 'GET', url: `${base}/by-id/${keyId}` },
    { method: 'PATCH', url: `${base}/by-id/${keyId}`, payload: { label: 'stolen' } },
    { method: 'DELETE', url: `${base}/by-id/${keyId}` },
    { method: 'POST', url: `${base}/by-id/${keyId}/toggle`, payload: { enabled: false } },
    { method: 'POST', url: `${base}/by-id/${keyId}/test` },
  ];
}

describe('organization keys API: security', () => {
  let h: ApiHarness;
  let acme: string;
  let globex: string;
  let acmeKey: { id: string; masked_key: string };
  let globexKeyId: string;
  const headers: Record<string, Record<string, string>> = {};
  const as = (user: string) => headers[user] ?? {};
  const acmeSecret = fakeKey('openai', 'valid', 'acme-secret');

  /** Everything an intruder's request could change: the org's key rows, the audit trail, queued tests. */
  async function state() {
    return {
      keys: await h.db.sql('SELECT id, user_id, label, enabled, key_version, api_key_encrypted FROM user_provider_keys ORDER BY id'),
      audit: await h.db.sql('SELECT count(*)::int AS n FROM audit_log'),
      jobs: (await h.runtime.producers.keyTests.queue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed'])).length,
    };
  }

  beforeAll(async () => {
    h = await startApiHarness('org_keys_security', { env: { KEY_TEST_WAIT_MS: '100' } });
    acme = await insertOrg(h.db, 'Acme', { olivia: 'owner', mia: 'member' });
    globex = await insertOrg(h.db, 'Globex', { gina: 'owner', mia: 'member' });
    for (const user of ['olivia', 'mia', 'gina', 'nora']) headers[user] = { authorization: `Bearer ${await h.token(user)}` };
    const saved = await h.app.inject({ method: 'POST', url: `/api/v1/orgs/${acme}/byok/keys`, headers: as('olivia'), payload: { provider: 'openai', api_key: acmeSecret, label: 'Acme production label' } });
    expect(saved.statusCode, saved.body).toBe(201);
    acmeKey = saved.json();
    const other = await h.app.inject({ method: 'POST', url: `/api/v1/orgs/${globex}/byok/keys`, headers: as('gina'), payload: { provider: 'openai', api_key: fakeKey('openai', 'valid', 'globex'), label: 'default' } });
    globexKeyId = other.json<{ id: string }>().id;
  });
  afterAll(() => h.close());

  it('shows a member only the per-provider summary: no hint, label, id or description of any key', async () => {
    const res = await h.app.inject({ url: `/api/v1/orgs/${acme}/byok/keys`, headers: as('mia') });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ role: 'member', providers: [{ provider: 'openai', keys: 1, enabled_keys: 1, usable: true, status: 'testing' }] });
    for (const secret of [acmeKey.id, acmeKey.masked_key, acmeKey.masked_key.slice(-4), 'Acme production label', acmeSecret]) expect(res.body).not.toContain(secret);
  });

  it('refuses a member every other org key route with 403 org_role_required and changes nothing', async () => {
    const before = await state();
    for (const call of managementCalls(acme, acmeKey.id)) {
      const res = await h.app.inject({ ...call, headers: as('mia') });
      expect(res.statusCode, `${call.method} ${call.url}: ${res.body}`).toBe(403);
      expect(res.json().error.code).toBe('org_role_required');
      expect(res.body).not.toContain(acmeKey.masked_key);
    }
    expect(await state()).toEqual(before);
  });

  it('answers a non-member 404 org_not_found on every org key route, exactly as for an org that does not exist or a malformed id', async () => {
    const before = await state();
    const withoutRequestId = (body: string) => body.replace(/"request_id":"[^"]*"/, '');
    const nobody = randomUUID();
    // Path segments as sent: U+FFFD (what a lone surrogate becomes; the surrogate itself is no valid URL, 400 for any path) and NUL percent-encoded, an escaped slash.
    for (const org of [acme, acme.toUpperCase(), nobody, 'not-a-uuid', 'a%EF%BF%BD', 'a%00b', '..%2Fllm%2Fbyok', 'x'.repeat(64)]) {
      const listing = await h.app.inject({ url: `/api/v1/orgs/${org}/byok/keys`, headers: as('nora') });
      expect(listing.statusCode, `${org}: ${listing.body}`).toBe(404);
      expect(listing.json().error.code).toBe('org_not_found');
      const calls = managementCalls(org, acmeKey.id);
      const controls = managementCalls(nobody, acmeKey.id);
      for (const [i, call] of calls.entries()) {
        const res = await h.app.inject({ ...call, headers: as('nora') });
        expect(res.statusCode, `${call.method} ${call.url}: ${res.body}`).toBe(404);
        expect(res.json().error.code).toBe('org_not_found');
        const control = controls[i];
        if (control === undefined) throw new Error('a control call per call');
        expect(withoutRequestId(res.body)).toBe(withoutRequestId((await h.app.inject({ ...control, headers: as('nora') })).body));
      }
    }
    expect(await state()).toEqual(before);
  });

  it("answers 404 not_found to an owner naming another org's key id, or a user's own key id, under their org", async () => {
    const own = await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: as('olivia'), payload: { provider: 'groq', api_key: fakeKey('groq', 'valid', 'olivia') } });
    const ownId = own.json<{ id: string }>().id;
    const before = await state();
    for (const keyId of [globexKeyId, ownId]) {
      for (const call of managementCalls(acme, keyId).filter((c) => c.url.includes('/by-id/'))) {
        const res = await h.app.inject({ ...call, headers: as('olivia') });
        expect(res.statusCode, `${call.method} ${call.url}: ${res.body}`).toBe(404);
        expect(res.json().error.code).toBe('not_found');
      }
    }
    expect(await state()).toEqual(before);
  });

  it("never reaches an org key through a member's or owner's personal key routes", async () => {
    for (const user of ['olivia', 'mia']) {
      for (const method of ['GET', 'DELETE'] as const) {
        const res = await h.app.inject({ method, url: `/api/v1/llm/byok/keys/by-id/${acmeKey.id}`, headers: as(user) });
        expect(res.statusCode).toBe(404);
      }
      const mine = await h.app.inject({ url: '/api/v1/llm/byok/keys', headers: as(user) });
      expect(mine.body).not.toContain(acmeKey.id);
    }
  });

  it('answers 404 org_not_found, not 500, when the org is deleted between the membership check and the save', async () => {
    const doomed = await insertOrg(h.db, 'Doomed', { olivia: 'owner' });
    // Deletes the org inside the save's own statement, after the API found olivia a member: the key's foreign key then fails.
    await h.db.sql('CREATE FUNCTION drop_org_first() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DELETE FROM byok_orgs WHERE id = NEW.org_id; RETURN NEW; END $$');
    await h.db.sql('CREATE TRIGGER drop_org_first BEFORE INSERT ON user_provider_keys FOR EACH ROW WHEN (NEW.org_id IS NOT NULL) EXECUTE FUNCTION drop_org_first()');
    try {
      const res = await h.app.inject({ method: 'POST', url: `/api/v1/orgs/${doomed}/byok/keys`, headers: as('olivia'), payload: { provider: 'groq', api_key: fakeKey('groq', 'valid', 'doomed') } });
      expect(res.statusCode, res.body).toBe(404);
      expect(res.json().error.code).toBe('org_not_found');
    } finally {
      await h.db.sql('DROP TRIGGER drop_org_first ON user_provider_keys');
      await h.db.sql('DROP FUNCTION drop_org_first()');
    }
    expect(await h.db.sql('SELECT id FROM user_provider_keys WHERE org_id = $1', [doomed])).toEqual([]);
  });

  it('stops answering a removed member at once, and lets a demoted admin only read the summary', async () => {
    await h.db.sql("INSERT INTO byok_org_members (org_id, user_id, role) VALUES ($1, 'ada', 'admin')", [acme]);
    const ada = { authorization: `Bearer ${await h.token('ada')}` };
    expect((await h.app.inject({ url: `/api/v1/orgs/${acme}/byok/keys/by-id/${acmeKey.id}`, headers: ada })).statusCode).toBe(200);
    await h.db.sql("UPDATE byok_org_members SET role = 'member' WHERE org_id = $1 AND user_id = 'ada'", [acme]);
    expect((await h.app.inject({ url: `/api/v1/orgs/${acme}/byok/keys/by-id/${acmeKey.id}`, headers: ada })).statusCode).toBe(403);
    await h.db.sql("DELETE FROM byok_org_members WHERE org_id = $1 AND user_id = 'ada'", [acme]);
    expect((await h.app.inject({ url: `/api/v1/orgs/${acme}/byok/keys`, headers: ada })).statusCode).toBe(404);
  });
});
