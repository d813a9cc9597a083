import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_KEYS, startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { checkKeyFormat } from '@byok/providers';

describe('key management API: happy paths', () => {
  let h: ApiHarness;
  let alice: string;
  beforeAll(async () => {
    h = await startApiHarness('keys_happy');
    alice = await h.token('alice');
  });
  afterAll(() => h.close());

  const auth = () => ({ authorization: `Bearer ${alice}` });

  it('has fake keys that pass the format checks', () => {
    for (const [provider, key] of Object.entries(FAKE_KEYS)) expect(checkKeyFormat(provider as never, key)).toEqual({ ok: true });
  });

  it('creates a key (201), masked, status testing, with one test job carrying ids only', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: auth(), payload: { provider: 'openrouter', api_key: FAKE_KEYS.openrouter, label: 'personal', metadata: { team: 'x' } } });
    expect(res.statusCode).toBe(201);
    expect(res.headers['x-request-id']).toBeTruthy();
    const body = res.json();
    expect(body).toMatchObject({ provider: 'openrouter', provider_name: 'OpenRouter', label: 'personal', enabled: true, status: 'testing', usable: true, key_version: 1, metadata: { team: 'x' } });
    expect(body.masked_key).toBe('sk-or-v1-****…****fa4e');
    expect(res.body).not.toContain(FAKE_KEYS.openrouter);
    const jobs = await h.runtime.producers.keyTests.queue.getJobs(['waiting', 'delayed', 'active']);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.data).toEqual({ keyId: body.id, keyVersion: 1, userId: 'alice', provider: 'openrouter', reason: 'added', actorId: 'alice', requestId: res.headers['x-request-id'], testToken: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const [row] = await h.db.sql<{ api_key_encrypted: string }>('SELECT api_key_encrypted FROM user_provider_keys WHERE id = $1', [body.id]);
    expect(row?.api_key_encrypted.startsWith('gAAAAA')).toBe(true);
    expect(h.runtime.keyring.decrypt(row?.api_key_encrypted ?? '')).toBe(FAKE_KEYS.openrouter);
  });

  it('replaces a key (200), bumping its version and keeping its label', async () => {
    const replacement = `sk-or-v1-${'dead'.repeat(15)}beef`;
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: auth(), payload: { provider: 'openrouter', api_key: replacement } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ key_version: 2, label: 'personal', masked_key: 'sk-or-v1-****…****beef', status: 'testing' });
    const audit = await h.db.sql<{ action: string }>(`SELECT action FROM audit_log WHERE subject_user_id = 'alice' ORDER BY id`);
    expect(audit.map((a) => a.action)).toEqual(['key.created', 'key.replaced']);
  });

  it('lists only masked keys', async () => {
    await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: auth(), payload: { provider: 'groq', api_key: FAKE_KEYS.groq } });
    const res = await h.app.inject({ method: 'GET', url: '/api/v1/llm/byok/keys', headers: auth() });
    expect(res.statusCode).toBe(200);
    const keys = res.json().keys as Array<{ provider: string; masked_key: string }>;
    expect(keys.map((k) => k.provider)).toEqual(['groq', 'openrouter']);
    expect(keys.find((k) => k.provider === 'groq')?.masked_key).toBe('gsk_****…****Key0');
    expect(res.body).not.toContain(FAKE_KEYS.groq);
    expect(res.body).not.toContain('gAAAAA');
  });

  it('gets one key, toggles it both ways, and records each change', async () => {
    const one = await h.app.inject({ method: 'GET', url: '/api/v1/llm/byok/keys/groq', headers: auth() });
    expect(one.statusCode).toBe(200);
    const flipped = await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys/groq/toggle', headers: auth() });
    expect(flipped.json()).toMatchObject({ provider: 'groq', enabled: false });
    const set = await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys/groq/toggle', headers: auth(), payload: { enabled: true } });
    expect(set.json()).toMatchObject({ enabled: true });
    const same = await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys/groq/toggle', headers: auth(), payload: { enabled: true } });
    expect(same.json()).toMatchObject({ enabled: true });
    const audit = await h.db.sql<{ action: string }>(`SELECT action FROM audit_log WHERE provider = 'groq' ORDER BY id`);
    expect(audit.map((a) => a.action)).toEqual(['key.created', 'key.disabled', 'key.enabled']);
  });

  it('deletes a key (204), then 404', async () => {
    const del = await h.app.inject({ method: 'DELETE', url: '/api/v1/llm/byok/keys/groq', headers: auth() });
    expect(del.statusCode).toBe(204);
    const again = await h.app.inject({ method: 'DELETE', url: '/api/v1/llm/byok/keys/groq', headers: auth() });
    expect(again.statusCode).toBe(404);
    expect(again.json().error.code).toBe('not_found');
    const audit = await h.db.sql<{ action: string; details: Record<string, unknown> }>(`SELECT action, details FROM audit_log WHERE action = 'key.deleted'`);
    expect(audit).toHaveLength(1);
  });

  it('lists the eight providers, OpenRouter first and recommended', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/api/v1/llm/byok/providers', headers: auth() });
    const providers = res.json().providers as Array<{ id: string; recommended: boolean; key_format: { hint: string } }>;
    expect(providers.map((p) => p.id)).toEqual(['openrouter', 'openai', 'anthropic', 'google', 'cohere', 'together', 'groq', 'perplexity']);
    expect(providers[0]?.recommended).toBe(true);
    expect(providers.every((p) => p.key_format.hint.length > 0)).toBe(true);
  });

  it('lets an admin list everyone\'s keys with filters and disable one', async () => {
    const bob = await h.token('bob');
    await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: { authorization: `Bearer ${bob}` }, payload: { provider: 'anthropic', api_key: FAKE_KEYS.anthropic } });
    const admin = { authorization: `Bearer ${await h.token('root', { admin: true })}` };
    const all = await h.app.inject({ method: 'GET', url: '/api/v1/admin/byok/keys?limit=10', headers: admin });
    expect(all.statusCode).toBe(200);
    expect(all.json().total).toBe(2);
    const bobs = await h.app.inject({ method: 'GET', url: '/api/v1/admin/byok/keys?user=bob&provider=anthropic&enabled=true', headers: admin });
    const [bobKey] = bobs.json().items as Array<{ id: string; user_id: string; masked_key: string }>;
    expect(bobKey).toMatchObject({ user_id: 'bob', masked_key: 'sk-ant-api03-****…****tKAA' });
    const disabled = await h.app.inject({ method: 'POST', url: `/api/v1/admin/byok/keys/${bobKey?.id}/disable`, headers: admin });
    expect(disabled.json()).toMatchObject({ enabled: false });
    const audit = await h.db.sql<{ actor_id: string; actor_type: string; subject_user_id: string }>(`SELECT actor_id, actor_type, subject_user_id FROM audit_log WHERE action = 'key.disabled' AND subject_user_id = 'bob'`);
    expect(audit).toEqual([{ actor_id: 'root', actor_type: 'admin', subject_user_id: 'bob' }]);
  });

  it('serves health, readiness and the OpenAPI document', async () => {
    expect((await h.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await h.app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ok', checks: { postgres: 'ok', redis: 'ok' } });
    const doc = (await h.app.inject({ url: '/docs/json' })).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/llm/byok/keys', '/api/v1/llm/byok/keys/{provider}', '/api/v1/llm/byok/keys/{provider}/toggle', '/api/v1/admin/byok/keys']));
  });

  it('never logs the key', () => {
    const all = h.logs.join('');
    expect(all.length).toBeGreaterThan(0);
    for (const key of Object.values(FAKE_KEYS)) expect(all).not.toContain(key);
  });
});
