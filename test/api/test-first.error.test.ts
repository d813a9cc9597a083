import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeKey } from '@byok/mock-providers';
import { waitFor } from '../proxy/support/proxy-harness.js';
import { startSecurityHarness, type SecurityHarness } from '../security/support/security-harness.js';

/**
 * test_first when the test outlasts the API's wait, and when saves cross: the current key stays in
 * use until a replacement passed, one replacement is tested at a time, and a plain save supersedes
 * a replacement under test (whose job then changes nothing).
 */
describe('test_first: slow tests and crossing saves', () => {
  let h: SecurityHarness;
  let bob: Record<string, string>;
  const url = '/api/v1/llm/byok/keys?test_first=true';
  const row = async () =>
    (await h.api.db.sql("SELECT key_hint, key_version, candidate_key_hint, candidate_encrypted IS NOT NULL AS pending FROM user_provider_keys WHERE user_id = 'bob' AND provider = 'openai'"))[0];

  beforeAll(async () => {
    h = await startSecurityHarness('test_first_slow', { env: { KEY_TEST_WAIT_MS: '300', KEY_TEST_MAX_ATTEMPTS: '1' }, slowDelayMs: 2500 });
    await h.startWorker();
    bob = await h.bearer('bob');
    expect((await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: bob, payload: { provider: 'openai', api_key: fakeKey('openai', 'valid', 'bob-current') } })).statusCode).toBe(201);
  }, 60_000);
  afterAll(() => h?.close());

  it('answers 202 with the current key and the replacement under test, refuses a second replacement meanwhile (409), then swaps it in', async () => {
    const before = await row();
    const slow = fakeKey('openai', 'slow', 'bob-next');
    const res = await h.app.inject({ method: 'POST', url, headers: bob, payload: { provider: 'openai', api_key: slow } });
    expect(res.statusCode, res.body).toBe(202);
    const view = res.json();
    expect(view.key_version).toBe(before?.key_version);
    expect(view.masked_key).toBe(before?.key_hint);
    expect(view.replacement).toMatchObject({ masked_key: expect.stringMatching(new RegExp(`${slow.slice(-4)}$`)) });

    const second = await h.app.inject({ method: 'POST', url, headers: bob, payload: { provider: 'openai', api_key: fakeKey('openai', 'valid', 'bob-other') } });
    expect(second.statusCode, second.body).toBe(409);
    expect(second.json().error.message).toMatch(/already being tested/);

    const settled = await waitFor(async () => {
      const now = await row();
      return now?.pending === false ? now : undefined;
    }, 15_000, 'replacement settled');
    expect(settled).toMatchObject({ key_version: (before?.key_version ?? 0) + 1, candidate_key_hint: null });
    expect(settled.key_hint.slice(-4)).toBe(slow.slice(-4));
  }, 30_000);

  it('a plain save supersedes a replacement under test; its job then changes nothing', async () => {
    const res = await h.app.inject({ method: 'POST', url, headers: bob, payload: { provider: 'openai', api_key: fakeKey('openai', 'slow', 'bob-superseded') } });
    expect(res.statusCode).toBe(202);
    const plain = fakeKey('openai', 'valid', 'bob-plain');
    const saved = await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: bob, payload: { provider: 'openai', api_key: plain } });
    expect(saved.statusCode).toBe(200);
    expect(saved.json().replacement).toBeNull();
    const queue = h.api.runtime.producers.keyTests.queue;
    await waitFor(async () => Object.values(await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized')).every((n) => n === 0), 15_000, 'key tests drained');
    const after = await row();
    expect(after?.key_hint.slice(-4)).toBe(plain.slice(-4));
    expect(after?.pending).toBe(false);
  }, 30_000);
});
