import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '@byok/api';
import { openRuntime, type Runtime } from '@byok/runtime';
import { FAKE_KEYS, startApiHarness, type ApiHarness } from '../support/api-harness.js';

describe('key tests: rate limit shared across API instances, dashboard for admins only', () => {
  let h: ApiHarness;
  let second: { app: Awaited<ReturnType<typeof buildApi>>; runtime: Runtime };
  let alice: Record<string, string>;
  beforeAll(async () => {
    // Wait 0 ms: these tests are about admission, not the worker's answer.
    h = await startApiHarness('key_test_rl', { env: { KEY_TEST_WAIT_MS: '0', KEY_TEST_RATE_LIMIT_PER_MINUTE: '5' } });
    const runtime = await openRuntime(h.config, h.runtime.logger);
    second = { runtime, app: await buildApi(runtime) };
    alice = { authorization: `Bearer ${await h.token('alice')}` };
    const saved = await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: alice, payload: { provider: 'groq', api_key: FAKE_KEYS.groq } });
    expect(saved.statusCode).toBe(201);
  });
  afterAll(async () => {
    await second.app.close();
    await second.runtime.close();
    await h.close();
  });

  it('allows 5 provider calls per minute per user in total across two instances (the save took one), then 429 with Retry-After', async () => {
    const url = '/api/v1/llm/byok/keys/groq/test';
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const app = i % 2 === 0 ? h.app : second.app;
      statuses.push((await app.inject({ method: 'POST', url, headers: alice })).statusCode);
    }
    expect(statuses).toEqual([202, 202, 202, 202]);
    const sixth = await second.app.inject({ method: 'POST', url, headers: alice });
    expect(sixth.statusCode).toBe(429);
    expect(Number(sixth.headers['retry-after'])).toBeGreaterThan(0);
    expect(sixth.json().error.retry_after).toBe(Number(sixth.headers['retry-after']));
    expect(sixth.json().error).toMatchObject({ code: 'rate_limited' });
    expect(sixth.json().error.message).toMatch(/at most 5 per minute/);
    const bob = { authorization: `Bearer ${await h.token('bob')}` };
    const other = await h.app.inject({ method: 'POST', url, headers: bob });
    expect(other.statusCode).toBe(404);
  });

  it('queued those tests as one job for the key version (deduplicated)', async () => {
    const jobs = await h.runtime.producers.keyTests.queue.getJobs(['waiting', 'delayed', 'active', 'prioritized']);
    expect(jobs).toHaveLength(1);
  });

  it('serves the job dashboard to admins only', async () => {
    expect((await h.app.inject({ url: '/admin/queues' })).statusCode).toBe(401);
    expect((await h.app.inject({ url: '/admin/queues', headers: alice })).statusCode).toBe(403);
    const admin = await h.token('root', { admin: true });
    const page = await h.app.inject({ url: '/admin/queues', headers: { authorization: `Bearer ${admin}` } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/html/);
    const api = await h.app.inject({ url: '/admin/queues/api/queues', headers: { cookie: `byok_dashboard=${admin}` } });
    expect(api.statusCode).toBe(200);
    expect(JSON.stringify(api.json())).toContain('key-tests');
    expect((await h.app.inject({ url: '/admin/queues/api/queues', headers: { cookie: `byok_dashboard=${await h.token('alice')}` } })).statusCode).toBe(403);
  });
});
