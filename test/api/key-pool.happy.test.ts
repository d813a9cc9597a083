import { createKeyHealthTracker } from '@byok/key-health';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_KEYS, startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { testServiceUrls } from '../support/services.js';

/** A second fake OpenAI key, distinguishable by its last four characters. */
const SECOND_OPENAI = `${FAKE_KEYS.openai.slice(0, -4)}Zz99`;

describe('key pools (#14): several labelled keys per provider', () => {
  let h: ApiHarness;
  let alice: Record<string, string>;
  const base = '/api/v1/llm/byok';
  beforeAll(async () => {
    h = await startApiHarness('key_pool_happy', { env: { KEY_TEST_WAIT_MS: '0' } });
    alice = { authorization: `Bearer ${await h.token('alice')}` };
  });
  afterAll(() => h.close());

  const save = (payload: Record<string, unknown>) => h.app.inject({ method: 'POST', url: `${base}/keys`, headers: alice, payload });
  const list = async () => (await h.app.inject({ method: 'GET', url: `${base}/keys`, headers: alice })).json().keys as Array<Record<string, unknown>>;

  it('a save without a label is the `default` key, and saving again replaces it (201, then 200)', async () => {
    const first = await save({ provider: 'openai', api_key: FAKE_KEYS.openai });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({ label: 'default', priority: 1, models: null, description: null, health: null });
    const again = await save({ provider: 'openai', api_key: FAKE_KEYS.openai });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ id: first.json().id, label: 'default', key_version: 2 });
  });

  it('a save with a new label adds a key after the last one; its label replaces it later, ignoring case', async () => {
    const work = await save({ provider: 'openai', api_key: SECOND_OPENAI, label: 'Work', models: ['gpt-4o*', 'o3-mini'], description: 'team account' });
    expect(work.statusCode).toBe(201);
    expect(work.json()).toMatchObject({ label: 'Work', priority: 2, models: ['gpt-4o*', 'o3-mini'], description: 'team account' });
    const replaced = await save({ provider: 'openai', api_key: SECOND_OPENAI, label: 'work' });
    expect(replaced.statusCode).toBe(200);
    // The stored spelling, priority, models and description stay when the save does not give them.
    expect(replaced.json()).toMatchObject({ id: work.json().id, label: 'Work', priority: 2, models: ['gpt-4o*', 'o3-mini'], description: 'team account', key_version: 2 });
    const audit = await h.db.sql<{ action: string; details: Record<string, unknown> }>(
      `SELECT action, details FROM audit_log WHERE key_id = $1 ORDER BY id`,
      [work.json().id],
    );
    expect(audit.map((a) => a.action)).toEqual(['key.created', 'key.replaced']);
    expect(audit[0]?.details).toMatchObject({ label: 'Work', priority: 2, models: ['gpt-4o*', 'o3-mini'] });
  });

  it('lists every key with id, label, priority, models and health, each provider by priority', async () => {
    await save({ provider: 'openai', api_key: FAKE_KEYS.openai, label: 'first', priority: 1 });
    const keys = (await list()).filter((k) => k.provider === 'openai');
    expect(keys.map((k) => [k.label, k.priority])).toEqual([
      ['default', 1],
      ['first', 1],
      ['Work', 2],
    ]);
    for (const key of keys) {
      expect(key).toEqual(expect.objectContaining({ id: expect.any(String), models: key.label === 'Work' ? ['gpt-4o*', 'o3-mini'] : null }));
      expect(key.health).toEqual({ state: 'ok', cooldown_until: null, failing_since: null, last_15m: { requests: 0, errors: 0, p50_latency_ms: null } });
    }
  });

  it("health shows what the proxies recorded: a 429's cool-down on one key only", async () => {
    const keys = (await list()).filter((k) => k.provider === 'openai');
    const work = keys.find((k) => k.label === 'Work');
    const connections: Redis[] = [];
    const open = () => {
      const redis = new Redis(testServiceUrls().redisUrl);
      connections.push(redis);
      return redis;
    };
    const tracker = createKeyHealthTracker({ redis: open(), subscriber: open, keyPrefix: h.redisPrefix, statsFlushIntervalMs: 20 });
    try {
      await tracker.start();
      tracker.recordFailure(String(work?.id), { kind: 'rate_limited', retryAfterMs: 120_000 }, 40);
      let health: Record<string, unknown> | undefined;
      for (let i = 0; i < 100 && health?.state !== 'cooling_down'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        health = (await list()).find((k) => k.id === work?.id)?.health as Record<string, unknown>;
      }
      expect(health).toMatchObject({ state: 'cooling_down', cooldown_until: expect.any(String) });
      expect(Date.parse(String(health?.cooldown_until))).toBeGreaterThan(Date.now() + 60_000);
      const others = (await list()).filter((k) => k.provider === 'openai' && k.id !== work?.id);
      expect(others.every((k) => (k.health as { state: string }).state === 'ok')).toBe(true);
    } finally {
      await tracker.close();
      for (const c of connections) c.disconnect();
    }
  });

  it('per-provider routes act on `default`, or on ?label=; a label with no key is 404, never another key', async () => {
    const byDefault = await h.app.inject({ method: 'GET', url: `${base}/keys/openai`, headers: alice });
    expect(byDefault.json()).toMatchObject({ label: 'default' });
    expect(byDefault.json().health).toMatchObject({ state: 'ok' });
    expect((await h.app.inject({ method: 'GET', url: `${base}/keys/openai?label=WORK`, headers: alice })).json()).toMatchObject({ label: 'Work' });
    const missing = await h.app.inject({ method: 'GET', url: `${base}/keys/openai?label=personal`, headers: alice });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.message).toBe('OpenAI key "personal" not found');
    const toggled = await h.app.inject({ method: 'POST', url: `${base}/keys/openai/toggle?label=first`, headers: alice, payload: { enabled: false } });
    expect(toggled.json()).toMatchObject({ enabled: false });
    expect((await list()).find((k) => k.label === 'first')).toMatchObject({ enabled: false });
    expect((await list()).find((k) => k.label === 'default')).toMatchObject({ enabled: true });
    const test = await h.app.inject({ method: 'POST', url: `${base}/keys/openai/test?label=work`, headers: alice });
    expect(test.statusCode).toBe(202);
    const job = await h.runtime.producers.keyTests.queue.getJob(test.json().job_id);
    // With no worker running, the test shares the save's pending job for this key version (one provider call).
    expect(job?.data).toMatchObject({ keyId: (await list()).find((k) => k.label === 'Work')?.id });
    expect((await h.app.inject({ method: 'GET', url: `${base}/keys/openai/usage?label=first`, headers: alice })).json()).toMatchObject({ provider: 'openai' });
    const noUsage = await h.app.inject({ method: 'GET', url: `${base}/keys/openai/usage?label=personal`, headers: alice });
    expect(noUsage.statusCode).toBe(404);
    expect(noUsage.json().error.message).toBe('OpenAI key "personal" not found');
    expect((await h.app.inject({ method: 'DELETE', url: `${base}/keys/openai?label=first`, headers: alice })).statusCode).toBe(204);
    expect((await list()).map((k) => k.label)).toEqual(['default', 'Work']);
  });

  it('by id: GET, PATCH (label, priority, models, enabled) audited and announced, test, toggle, DELETE', async () => {
    const work = (await list()).find((k) => k.label === 'Work');
    const url = `${base}/keys/by-id/${work?.id}`;
    const got = await h.app.inject({ method: 'GET', url, headers: alice });
    expect(got.json()).toMatchObject({ id: work?.id, label: 'Work', health: { state: 'cooling_down' } });

    const subscriber = new Redis(testServiceUrls().redisUrl);
    const announced: string[] = [];
    try {
      await subscriber.subscribe(`${h.redisPrefix}:key-changes`);
      subscriber.on('message', (_channel, message) => announced.push(message));
      const patched = await h.app.inject({ method: 'PATCH', url, headers: alice, payload: { label: 'office', priority: 7, models: null, enabled: false } });
      expect(patched.statusCode, patched.body).toBe(200);
      expect(patched.json()).toMatchObject({ id: work?.id, label: 'office', priority: 7, models: null, enabled: false });
      for (let i = 0; i < 50 && announced.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(announced).toEqual(['alice']);
    } finally {
      subscriber.disconnect();
    }
    const audit = await h.db.sql<{ action: string; details: Record<string, unknown> }>(
      `SELECT action, details FROM audit_log WHERE key_id = $1 AND action IN ('key.updated', 'key.disabled') ORDER BY id`,
      [work?.id],
    );
    expect(audit).toEqual([
      { action: 'key.updated', details: { label: { from: 'Work', to: 'office' }, priority: { from: 2, to: 7 }, models: { from: ['gpt-4o*', 'o3-mini'], to: null } } },
      { action: 'key.disabled', details: {} },
    ]);
    // A PATCH that changes nothing writes no audit record.
    expect((await h.app.inject({ method: 'PATCH', url, headers: alice, payload: { priority: 7 } })).statusCode).toBe(200);
    expect(await h.db.sql(`SELECT 1 FROM audit_log WHERE key_id = $1 AND action = 'key.updated'`, [work?.id])).toHaveLength(1);

    const toggled = await h.app.inject({ method: 'POST', url: `${url}/toggle`, headers: alice });
    expect(toggled.json()).toMatchObject({ id: work?.id, provider: 'openai', enabled: true });
    const test = await h.app.inject({ method: 'POST', url: `${url}/test`, headers: alice });
    expect(test.statusCode).toBe(202);
    expect((await h.runtime.producers.keyTests.queue.getJob(test.json().job_id))?.data).toMatchObject({ keyId: work?.id, provider: 'openai' });

    expect((await h.app.inject({ method: 'DELETE', url, headers: alice })).statusCode).toBe(204);
    expect((await h.app.inject({ method: 'GET', url, headers: alice })).statusCode).toBe(404);
    const deleted = await h.db.sql<{ details: Record<string, unknown> }>(`SELECT details FROM audit_log WHERE key_id = $1 AND action = 'key.deleted'`, [work?.id]);
    expect(deleted[0]?.details).toMatchObject({ label: 'office' });
    expect((await list()).map((k) => k.label)).toEqual(['default']);
  });
  it('replacing a key’s text starts its health afresh on every proxy (routing never tries a resting key)', async () => {
    const saved = await save({ provider: 'groq', api_key: FAKE_KEYS.groq, label: 'rotating' });
    const id = String(saved.json().id);
    const connections: Redis[] = [];
    const open = () => {
      const redis = new Redis(testServiceUrls().redisUrl);
      connections.push(redis);
      return redis;
    };
    const tracker = createKeyHealthTracker({ redis: open(), subscriber: open, keyPrefix: h.redisPrefix });
    try {
      await tracker.start();
      tracker.recordFailure(id, { kind: 'rate_limited', retryAfterMs: 600_000 }, 10);
      for (let i = 0; i < 5; i++) tracker.recordFailure(id, { kind: 'fault' }, 10);
      const cooling = async () => (await h.app.inject({ method: 'GET', url: `${base}/keys/by-id/${id}`, headers: alice })).json().health?.state;
      for (let i = 0; i < 50 && (await cooling()) === 'ok'; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await cooling()).not.toBe('ok');
      expect((await save({ provider: 'groq', api_key: FAKE_KEYS.groq, label: 'rotating' })).statusCode).toBe(200);
      const after = (await h.app.inject({ method: 'GET', url: `${base}/keys/by-id/${id}`, headers: alice })).json();
      expect(after.health).toMatchObject({ state: 'ok', cooldown_until: null, failing_since: null });
      for (let i = 0; i < 50 && tracker.blocked(id) !== null; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(tracker.blocked(id)).toBeNull();
    } finally {
      await tracker.close();
      for (const c of connections) c.disconnect();
    }
  });
});
