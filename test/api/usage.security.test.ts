import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyUsageEvents, type UsageEventInput } from '@byok/db';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';

const bobEvent = (i: number): UsageEventInput => ({
  requestId: `bob-${i}`,
  userId: 'bob',
  provider: 'openai',
  model: 'bob-secret-model',
  credentialSource: 'user_provider',
  statusCode: 200,
  stream: false,
  promptTokens: 5,
  completionTokens: 5,
  costMicro: 777_777,
  creditsMicro: 0,
  latencyMs: 10,
  occurredAt: new Date().toISOString(),
});

describe('usage API: authentication and isolation', () => {
  let h: ApiHarness;
  let alice: Record<string, string>;
  beforeAll(async () => {
    h = await startApiHarness('usage_security');
    alice = { authorization: `Bearer ${await h.token('alice')}` };
    await h.db.sql(`INSERT INTO user_provider_keys (user_id, provider, api_key_encrypted) VALUES ('bob', 'openai', 'x'), ('alice', 'groq', 'x')`);
    await applyUsageEvents(h.db.orm.em.fork(), [bobEvent(1), bobEvent(2)]);
  });
  afterAll(() => h.close());

  const routes = ['/api/v1/llm/usage', '/api/v1/llm/byok/keys/openai/usage', '/api/v1/admin/usage'];

  it('refuses every route without a valid bearer token', async () => {
    for (const url of routes) {
      for (const headers of [{}, { authorization: 'Bearer not-a-token' }]) {
        const res = await h.app.inject({ url, headers });
        expect(res.statusCode, url).toBe(401);
        expect(res.json().error.code).toMatch(/missing_credentials|invalid_token/);
      }
    }
  });

  it("never shows alice any of bob's usage, through any parameter", async () => {
    const attempts = [
      '/api/v1/llm/usage?group_by=model',
      '/api/v1/llm/usage?group_by=credential_source&format=csv',
      '/api/v1/llm/byok/keys/openai/usage',
      '/api/v1/llm/byok/keys/OpenAI/usage',
      '/api/v1/llm/byok/keys/groq/usage',
    ];
    for (const url of attempts) {
      const res = await h.app.inject({ url, headers: alice });
      expect([200, 404], url).toContain(res.statusCode);
      expect(res.body, url).not.toContain('bob');
      expect(res.body, url).not.toContain('777777');
    }
  });

  it('answers 403 to a non-admin naming any user, even themselves', async () => {
    for (const user of ['bob', 'alice']) {
      const res = await h.app.inject({ url: `/api/v1/llm/usage?user=${user}`, headers: alice });
      expect(res.statusCode).toBe(403);
      expect(res.json().error).toMatchObject({ code: 'forbidden', details: [{ path: 'querystring/user' }] });
    }
  });

  it('answers 403 to a non-admin on the platform totals, before looking at parameters', async () => {
    for (const url of ['/api/v1/admin/usage', '/api/v1/admin/usage?from=garbage']) {
      const res = await h.app.inject({ url, headers: alice });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('forbidden');
    }
  });
});
