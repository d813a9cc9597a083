import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeKey } from '@byok/mock-providers';
import { waitFor } from '../proxy/support/proxy-harness.js';
import { startSecurityHarness, type SecurityHarness } from '../security/support/security-harness.js';

/**
 * Finding "Replacing a key can destroy a working one" (#20.5): `POST /keys?test_first=true` keeps
 * the current key until the new one passed its test. The API never calls the provider: the
 * candidate is stored encrypted beside the current key and the key-test worker tests it. The
 * contract the web page relies on: 2xx with the key view on success, 4xx with a displayable
 * `error.message` (the provider's verdict, once) on failure.
 */
describe('replace a key only after the new one passed its test (test_first)', () => {
  let h: SecurityHarness;
  let alice: Record<string, string>;
  const url = '/api/v1/llm/byok/keys?test_first=true';
  const working = fakeKey('openai', 'valid', 'current');

  beforeAll(async () => {
    h = await startSecurityHarness('test_first', { env: { KEY_TEST_WAIT_MS: '15000', KEY_TEST_MAX_ATTEMPTS: '1' } });
    await h.startWorker();
    alice = await h.bearer('alice');
    const first = await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: alice, payload: { provider: 'openai', api_key: working, description: 'work' } });
    expect(first.statusCode).toBe(201);
    await waitFor(async () => (await h.api.db.sql("SELECT test_status FROM user_provider_keys WHERE user_id = 'alice'"))[0]?.test_status === 'valid', 15_000, 'first key tested');
  }, 60_000);
  afterAll(() => h?.close());

  const row = async () =>
    (await h.api.db.sql("SELECT api_key_encrypted, key_hint, key_version, test_status, label, candidate_encrypted FROM user_provider_keys WHERE user_id = 'alice' AND provider = 'openai' AND label = 'default'"))[0];

  it('a rejected replacement answers 422 key_test_failed with the provider verdict once, and the current key stays as it was', async () => {
    const before = await row();
    const res = await h.app.inject({ method: 'POST', url, headers: alice, payload: { provider: 'openai', api_key: fakeKey('openai', 'invalid', 'wrong'), description: 'wrong' } });
    expect(res.statusCode, res.body).toBe(422);
    const { error } = res.json();
    expect(error.code).toBe('key_test_failed');
    expect(error.message).toMatch(/^OpenAI rejected the key/);
    expect(error.message.match(/rejected the key/g)).toHaveLength(1);
    expect(error.request_id).toBe(res.headers['x-request-id']);
    expect(await row()).toEqual({ ...before, candidate_encrypted: null });
    const refused = await h.api.db.sql("SELECT details FROM audit_log WHERE subject_user_id = 'alice' AND action = 'key.replacement_refused'");
    expect(refused).toHaveLength(1);
    expect(refused[0]?.details).toMatchObject({ test_first: true, outcome: 'invalid', key_version: before?.key_version });
  });

  it('a key with no credit is refused the same way, with its own verdict', async () => {
    const res = await h.app.inject({ method: 'POST', url, headers: alice, payload: { provider: 'openai', api_key: fakeKey('openai', 'no_credit', 'broke') } });
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().error.message).toMatch(/^No credit: /);
    expect((await row())?.test_status).toBe('valid');
  });

  it('a working replacement is swapped in: 200 with the new key view, a new version, tested, one audit record', async () => {
    // The current text's expiry is not the new text's: the swap clears it.
    await h.api.db.sql(`UPDATE user_provider_keys SET expires_at = now() + interval '5 days' WHERE user_id = 'alice' AND provider = 'openai' AND label = 'default'`);
    const before = await row();
    const replacement = fakeKey('openai', 'valid', 'replacement');
    const res = await h.app.inject({ method: 'POST', url, headers: alice, payload: { provider: 'openai', api_key: replacement, description: 'new' } });
    expect(res.statusCode, res.body).toBe(200);
    const view = res.json();
    expect(view).toMatchObject({ provider: 'openai', status: 'valid', label: 'default', description: 'new', key_version: (before?.key_version ?? 0) + 1, replacement: null, expires_at: null });
    expect(view.masked_key.slice(-4)).toBe(replacement.slice(-4));
    const after = await row();
    expect(after?.api_key_encrypted).not.toBe(before?.api_key_encrypted);
    expect(after?.candidate_encrypted).toBeNull();
    const replaced = await h.api.db.sql("SELECT details FROM audit_log WHERE subject_user_id = 'alice' AND action = 'key.replaced' AND details->>'test_first' = 'true'");
    expect(replaced).toHaveLength(1);
    // The plaintext went into no job payload: the job carries ids only.
    const jobs = await h.api.runtime.producers.keyTests.queue.getJobs(['completed', 'failed']);
    expect(JSON.stringify(jobs.map((j) => j.data))).not.toContain(replacement);
  });

  it('the swapped-in key routes: a chat request through it succeeds with the BYOK key', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/chat/completions', headers: alice, payload: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['x-byok-used']).toBe('true');
  });

  it('tests and swaps in the replacement of the labelled key only, leaving the default key as it was (#14)', async () => {
    const backup = await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: alice, payload: { provider: 'openai', api_key: fakeKey('openai', 'valid', 'backup'), label: 'backup' } });
    expect(backup.statusCode, backup.body).toBe(201);
    const defaultBefore = await row();
    const refused = await h.app.inject({ method: 'POST', url, headers: alice, payload: { provider: 'openai', api_key: fakeKey('openai', 'invalid', 'bad-backup'), label: 'BACKUP' } });
    expect(refused.statusCode, refused.body).toBe(422);
    const replacement = fakeKey('openai', 'valid', 'backup-2');
    const res = await h.app.inject({ method: 'POST', url, headers: alice, payload: { provider: 'openai', api_key: replacement, label: 'backup' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id: backup.json().id, label: 'backup', status: 'valid', key_version: 2, replacement: null });
    expect(res.json().masked_key.slice(-4)).toBe(replacement.slice(-4));
    expect(await row()).toEqual(defaultBefore);
  });

  it('without a current key test_first is an ordinary save (201)', async () => {
    const res = await h.app.inject({ method: 'POST', url, headers: alice, payload: { provider: 'groq', api_key: fakeKey('groq', 'valid', 'new') } });
    expect(res.statusCode, res.body).toBe(201);
  });
});
