import { PROVIDER_IDS } from '@byok/providers';
import { startWorker, type WorkerHandle } from '@byok/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeKey, type MockProviders, startMockProviders } from '@byok/mock-providers';
import { type ApiHarness, startApiHarness } from '../support/api-harness.js';
import { sleep } from './support/worker-harness.js';

describe('a key saved through the API is tested by the worker', () => {
  let mock: MockProviders;
  let h: ApiHarness;
  let worker: WorkerHandle;
  let token: string;
  beforeAll(async () => {
    mock = await startMockProviders();
    h = await startApiHarness('worker_e2e', {
      // Scheduled re-validation stays at its default: its first run is one interval (a day) away,
      // so it adds no `system` tests here.
      env: Object.fromEntries(PROVIDER_IDS.map((id) => [`PROVIDER_${id.toUpperCase()}_BASE_URL`, mock.baseUrls[id]])),
    });
    worker = await startWorker(h.runtime);
    token = await h.token('e2e-user');
  });
  afterAll(async () => {
    await worker?.close();
    await h?.close();
    await mock?.close();
  });

  async function statusOf(provider: string): Promise<{ status: string; usable?: boolean }> {
    const res = await h.app.inject({ method: 'GET', url: `/api/v1/llm/byok/keys/${provider}`, headers: { authorization: `Bearer ${token}` } });
    return res.json();
  }

  async function settle(provider: string): Promise<{ status: string; usable?: boolean }> {
    // Generous deadline: the machine is shared, and the worker may retry a job seen before its commit.
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const key = await statusOf(provider);
      if (key.status !== 'testing') return key;
      await sleep(25);
    }
    throw new Error(`${provider} key still testing`);
  }

  it('a valid key becomes valid and usable, an invalid one invalid and flagged unusable, each with one key.tested audit record', async () => {
    for (const [provider, scenario] of [['groq', 'valid'], ['openai', 'invalid']] as const) {
      const res = await h.app.inject({
        method: 'POST',
        url: '/api/v1/llm/byok/keys',
        headers: { authorization: `Bearer ${token}` },
        payload: { provider, api_key: fakeKey(provider, scenario, 'e2e') },
      });
      expect(res.statusCode).toBe(201);
    }
    expect(await settle('groq')).toMatchObject({ status: 'valid', usable: true });
    expect(await settle('openai')).toMatchObject({ status: 'invalid', usable: false });
    const audit = await h.db.sql<{ provider: string; actor_id: string; request_id: string | null }>(`SELECT provider, actor_id, request_id FROM audit_log WHERE action = 'key.tested' ORDER BY provider`);
    expect(audit.map((a) => [a.provider, a.actor_id])).toEqual([['groq', 'e2e-user'], ['openai', 'e2e-user']]);
    // The request id of the save travels with the job into the test's audit record.
    expect(audit.every((a) => typeof a.request_id === 'string' && a.request_id.length > 0)).toBe(true);
  });
});
