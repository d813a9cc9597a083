import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { testServiceUrls } from '../support/services.js';

describe('routing settings (#14): GET/PUT /api/v1/llm/byok/settings', () => {
  let h: ApiHarness;
  let alice: Record<string, string>;
  const url = '/api/v1/llm/byok/settings';
  beforeAll(async () => {
    h = await startApiHarness('settings');
    alice = { authorization: `Bearer ${await h.token('alice')}` };
  });
  afterAll(() => h.close());

  it('defaults to platform_fallback allow, without storing anything', async () => {
    const res = await h.app.inject({ method: 'GET', url, headers: alice });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ platform_fallback: 'allow' });
    expect(await h.db.sql('SELECT user_id FROM byok_user_settings')).toEqual([]);
  });

  it('stores never, audits the change, and announces it to the proxies over the key-change channel', async () => {
    const subscriber = new Redis(testServiceUrls().redisUrl);
    const announced: string[] = [];
    try {
      await subscriber.subscribe(`${h.redisPrefix}:key-changes`);
      subscriber.on('message', (_channel, message) => announced.push(message));
      const res = await h.app.inject({ method: 'PUT', url, headers: alice, payload: { platform_fallback: 'never' } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ platform_fallback: 'never' });
      for (let i = 0; i < 50 && announced.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(announced).toEqual(['alice']);
    } finally {
      subscriber.disconnect();
    }
    expect((await h.app.inject({ method: 'GET', url, headers: alice })).json()).toEqual({ platform_fallback: 'never' });
    expect(await h.db.sql("SELECT platform_fallback FROM byok_user_settings WHERE user_id = 'alice'")).toEqual([{ platform_fallback: 'never' }]);
    const audit = await h.db.sql<{ action: string; details: unknown; actor_id: string }>("SELECT action, details, actor_id FROM audit_log WHERE subject_user_id = 'alice'");
    expect(audit).toEqual([{ action: 'settings.updated', details: { platform_fallback: { from: 'allow', to: 'never' } }, actor_id: 'alice' }]);
    // Saving the same value again changes nothing and audits nothing.
    expect((await h.app.inject({ method: 'PUT', url, headers: alice, payload: { platform_fallback: 'never' } })).statusCode).toBe(200);
    expect(await h.db.sql("SELECT 1 FROM audit_log WHERE subject_user_id = 'alice'")).toHaveLength(1);
  });

  it("keeps each user's settings apart", async () => {
    const bob = { authorization: `Bearer ${await h.token('bob')}` };
    expect((await h.app.inject({ method: 'GET', url, headers: bob })).json()).toEqual({ platform_fallback: 'allow' });
  });

  it('refuses other values, unknown fields and a missing field with 400 naming the field', async () => {
    for (const [payload, field] of [
      [{ platform_fallback: 'sometimes' }, /platform_fallback/],
      [{ platform_fallback: 'never', extra: 1 }, /extra/],
      [{}, /platform_fallback/],
      [{ platform_fallback: null }, /platform_fallback/],
    ] as const) {
      const res = await h.app.inject({ method: 'PUT', url, headers: alice, payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'validation_failed', message: expect.stringMatching(field) });
    }
    expect((await h.app.inject({ method: 'GET', url, headers: alice })).json()).toEqual({ platform_fallback: 'never' });
  });
});
