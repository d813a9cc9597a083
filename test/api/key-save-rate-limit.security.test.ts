import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeKey } from '@byok/mock-providers';
import { waitFor } from '../proxy/support/proxy-harness.js';
import { startSecurityHarness, type SecurityHarness } from '../security/support/security-harness.js';

const LIMIT = 5;

/**
 * Finding "Saving a key bypasses the key-test limit" (#12.4): every save queues a validation, so
 * 30 saves in 3 s made 21 provider calls while the test endpoint already answered 429 — an
 * unlimited "is this stolen key valid" oracle. Saves now take from the same per-user budget as
 * tests; past it they are refused with 429 and nothing is stored. And (#20.9) a request for an
 * unknown provider spends nothing.
 */
describe('key saves share the key-test budget', () => {
  let h: SecurityHarness;
  let mallory: Record<string, string>;
  beforeAll(async () => {
    h = await startSecurityHarness('key_save_limit', { env: { KEY_TEST_RATE_LIMIT_PER_MINUTE: String(LIMIT), KEY_TEST_WAIT_MS: '0' } });
    await h.startWorker();
    mallory = await h.bearer('mallory');
  }, 60_000);
  afterAll(() => h?.close());

  const save = (headers: Record<string, string>, n: number) =>
    h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers, payload: { provider: 'openai', api_key: fakeKey('openai', 'valid', `oracle-${n}`) } });

  it('30 saves in 3 s make at most the limit of provider calls, the rest refused with 429 and not stored', async () => {
    h.mock.resetCalls();
    const statuses: number[] = [];
    for (let n = 0; n < 30; n++) {
      statuses.push((await save(mallory, n)).statusCode);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(statuses.filter((s) => s === 201 || s === 200)).toHaveLength(LIMIT);
    expect(statuses.filter((s) => s === 429)).toHaveLength(30 - LIMIT);
    const refused = await save(mallory, 99);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.json().error.message).toMatch(/at most 5 per minute, key saves included/);
    // The key stored is the last one accepted; its tests (and any stale ones) have all run.
    const queue = h.api.runtime.producers.keyTests.queue;
    await waitFor(async () => Object.values(await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized')).every((n) => n === 0), 30_000, 'key tests drained');
    expect(h.mock.calls({ provider: 'openai' }).length).toBeLessThanOrEqual(LIMIT);
    expect(await h.api.db.sql("SELECT key_version FROM user_provider_keys WHERE user_id = 'mallory'")).toEqual([{ key_version: LIMIT }]);
  }, 60_000);

  it('the test endpoint answers 429 once saves used the budget (one budget for both)', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys/openai/test', headers: mallory });
    expect(res.statusCode).toBe(429);
  });

  it('requests for an unknown provider, a missing key or a refused save spend nothing (#20.9)', async () => {
    const trent = await h.bearer('trent');
    for (let i = 0; i < 10; i++) {
      expect((await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys/acme/test', headers: trent })).statusCode).toBe(400);
      expect((await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys/groq/test', headers: trent })).statusCode).toBe(404);
      expect((await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: trent, payload: { provider: 'acme', api_key: 'fake' } })).statusCode).toBe(400);
      expect((await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: trent, payload: { provider: 'openai', api_key: 'not a key' } })).statusCode).toBe(400);
    }
    const statuses: number[] = [];
    for (let n = 0; n < LIMIT; n++) statuses.push((await save(trent, n)).statusCode);
    expect(statuses).toEqual([201, 200, 200, 200, 200]);
  });
});
