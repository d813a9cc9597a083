import type { ProviderId } from '@byok/providers';
import type { KeyTestJob, UsageEvent } from '@byok/queues';
import { putUserSettings, upsertProviderKey } from '@byok/db';
import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxyHarness, waitFor, type ProxyHarness, type ProxyInstance } from './support/proxy-harness.js';
import { type ScriptedUpstream, scriptedKey, startScriptedUpstream } from './support/scripted-upstream.js';

/**
 * Issue #14's proxy half: a user's keys are a pool; an attempt that fails before any byte reached
 * the client goes on to the next key; 429s cool a key for every instance; repeated faults open its
 * circuit; the platform key is used only when the user allows it. OpenAI and OpenRouter point at a
 * scripted upstream whose answer each key chooses (see `scripted-upstream.ts`).
 */

let h: ProxyHarness;
let up: ScriptedUpstream;
beforeAll(async () => {
  up = await startScriptedUpstream();
  h = await startProxyHarness('key_pool', {
    systemKeyProviders: ['openai'],
    settings: { attemptTimeoutMs: 500 },
    keyHealthPolicy: { circuitOpenMs: 1500 },
    env: { PROVIDER_OPENAI_BASE_URL: up.baseUrl, PROVIDER_OPENROUTER_BASE_URL: 'http://127.0.0.1:9/api/v1' },
  });
});
afterAll(async () => {
  await h?.close();
  await up?.close();
});

const messages = [{ role: 'user', content: 'Say hello to me' }];
let users = 0;
const newUser = () => `pool-user-${++users}`;

interface PoolKey {
  label: string;
  behaviour: string;
  provider?: ProviderId;
  priority?: number;
  models?: string[];
  /** The models the key's last test listed. */
  tested?: string[];
}

/**
 * Stores keys the way a save does (encrypted and bound by the runtime's keyring), straight through
 * the repository: saving a second key by label is the API half of #14. Each key's scripted name is
 * `<user>_<label>`. Returns the ids by label.
 */
async function addKeys(user: string, keys: PoolKey[]): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  const keyring = h.api.runtime.keyring;
  for (const k of keys) {
    const provider = k.provider ?? 'openai';
    const id = randomUUID();
    const token = keyring.encrypt(scriptedKey(k.behaviour, `${user.replaceAll('-', '_')}_${k.label}`));
    const saved = await upsertProviderKey(h.api.runtime.orm.em.fork(), {
      id,
      userId: user,
      provider,
      label: k.label,
      apiKeyEncrypted: token,
      keyHint: 'sk-test...',
      binding: keyring.bind({ id, userId: user, provider }, token),
      ...(k.priority !== undefined ? { priority: k.priority } : {}),
      ...(k.models !== undefined ? { models: k.models } : {}),
      ...(k.tested !== undefined ? { metadata: { validation: { outcome: 'valid', models: k.tested } } } : {}),
    });
    ids[k.label] = saved.key.id;
  }
  return ids;
}

const scripted = (user: string, label: string) => `${user.replaceAll('-', '_')}_${label}`;
const callsOf = (user: string, label: string) => up.calls.filter((c) => c === scripted(user, label)).length;

async function post(user: string, body: Record<string, unknown>, options: { proxy?: ProxyInstance; headers?: Record<string, string> } = {}) {
  const res = await request(`${(options.proxy ?? h.proxy).url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await h.jwt(user)}`, ...options.headers },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages, ...body }),
  });
  const text = await res.body.text();
  const route = String(res.headers['x-byok-route'] ?? '');
  return { status: res.statusCode, headers: res.headers, text, route, attempts: String(res.headers['x-byok-attempts'] ?? '') };
}

async function keyTestJobs(): Promise<KeyTestJob[]> {
  const jobs = await h.proxy.runtime.producers.keyTests.queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized'], 0, -1);
  return jobs.map((job) => job.data as KeyTestJob);
}

describe('failover before the first byte', () => {
  it.each([401, 402, 403, 429, 500, 502, 503, 504, 529])('a %i goes on to the next key, non-streamed and streamed', async (status) => {
    const user = newUser();
    const ids = await addKeys(user, [
      { label: 'first', behaviour: `s${status}`, priority: 1 },
      { label: 'second', behaviour: 'ok', priority: 2 },
    ]);
    const plain = await post(user, {});
    expect(plain.status, plain.text).toBe(200);
    expect(JSON.parse(plain.text).choices[0].message.content).toBe(`served by ${scripted(user, 'second')}`);
    expect(plain.route).toMatch(new RegExp(`^user_openrouter:skipped=no_key; user_provider\\(openai/first\\):failed=${status}[^;]*; user_provider\\(openai/second\\):chosen=200`));
    expect(plain.attempts).toBe('2');
    expect(plain.headers['x-byok-used']).toBe('true');

    const streamed = await post(user, { stream: true });
    expect(streamed.status).toBe(200);
    expect(streamed.text).toContain(`by ${scripted(user, 'second')}`);
    expect(streamed.text).toContain('data: [DONE]');
    if (status === 401 || status === 403) {
      await waitFor(async () => (await keyTestJobs()).find((j) => j.keyId === ids.first && j.reason === 'rejected_upstream'), 3000, 'the re-validation of the refused key');
    }
  });

  it.each([
    ['a reset connection', 'reset', 'unreachable'],
    ['no headers within the attempt timeout', 'hang', 'timeout'],
  ])('%s goes on to the next key', async (_name, behaviour, outcome) => {
    const user = newUser();
    await addKeys(user, [
      { label: 'first', behaviour, priority: 1 },
      { label: 'second', behaviour: 'ok', priority: 2 },
    ]);
    for (const stream of [false, true]) {
      const res = await post(user, { stream });
      expect(res.status, res.text).toBe(200);
      expect(res.text).toContain(scripted(user, 'second'));
    }
    // The first request tried the failing key; the second may find it cooling already or try it again.
    expect(callsOf(user, 'first')).toBeGreaterThanOrEqual(1);
    const again = await post(user, {});
    expect(again.route).toMatch(new RegExp(`user_provider\\(openai/first\\):(failed=${outcome}|skipped=)`));
  });

  it.each([false, true])('a refused connection (an OpenRouter key on a closed port) goes on to the provider key (stream: %s)', async (stream) => {
    const user = newUser();
    await addKeys(user, [
      { label: 'router', behaviour: 'ok', provider: 'openrouter' },
      { label: 'direct', behaviour: 'ok' },
    ]);
    const res = await post(user, { stream });
    expect(res.status, res.text).toBe(200);
    expect(res.text).toContain(scripted(user, 'direct'));
    expect(res.route).toMatch(/^user_openrouter\(router\):failed=unreachable; user_provider\(openai\/direct\):chosen=200/);
    expect(res.attempts).toBe('2');
  });

  it('a non-streamed 200 whose body breaks off goes on to the next key: nothing had reached the client', async () => {
    const user = newUser();
    await addKeys(user, [
      { label: 'first', behaviour: 'cut', priority: 1 },
      { label: 'second', behaviour: 'ok', priority: 2 },
    ]);
    const res = await post(user, {});
    expect(res.status, res.text).toBe(200);
    expect(JSON.parse(res.text).choices[0].message.content).toBe(`served by ${scripted(user, 'second')}`);
    expect(res.route).toMatch(/user_provider\(openai\/first\):failed=200 cut off; user_provider\(openai\/second\):chosen=200/);
    expect(res.attempts).toBe('2');
    // With no other key, the break is the client's 502, as before.
    const alone = newUser();
    await addKeys(alone, [{ label: 'only', behaviour: 'cut' }]);
    const cut = await post(alone, {}, { headers: { 'x-byok-fallback': 'never' } });
    expect(cut.status).toBe(502);
    expect(cut.route).toContain('user_provider(openai/only):chosen=200 cut off');
  });

  it('names every attempt’s key by provider and label in the receipt, the default key too, with what its upstream answered', async () => {
    const user = newUser();
    await addKeys(user, [
      { label: 'work', behaviour: 's429ra2', priority: 1 },
      { label: 'default', behaviour: 'ok', priority: 2 },
    ]);
    const res = await post(user, {});
    expect(res.status).toBe(200);
    expect(res.route).toBe('user_openrouter:skipped=no_key; user_provider(openai/work):failed=429 cooled 2s; user_provider(openai/default):chosen=200; system(openai):not_needed; system(openrouter):skipped=no_system_key');
    expect(res.attempts).toBe('2');
  });

  it.each([400, 404, 422])('a %i is the caller’s problem: returned as it is, no other key tried', async (status) => {
    const user = newUser();
    await addKeys(user, [
      { label: 'first', behaviour: `s${status}`, priority: 1 },
      { label: 'second', behaviour: 'ok', priority: 2 },
    ]);
    const res = await post(user, {});
    expect(res.status).toBe(status);
    expect(res.text).toContain(`scripted ${status}`);
    expect(res.attempts).toBe('1');
    expect(callsOf(user, 'second')).toBe(0);
  });

  it('a stream that has started is never retried', async () => {
    const user = newUser();
    await addKeys(user, [
      { label: 'first', behaviour: 'cut', priority: 1 },
      { label: 'second', behaviour: 'ok', priority: 2 },
    ]);
    const res = await post(user, { stream: true });
    expect(res.status).toBe(200);
    expect(res.text).toContain('served ');
    expect(res.text).not.toContain(scripted(user, 'second'));
    expect(callsOf(user, 'second')).toBe(0);
  });

  it('when every key fails, the last one’s answer is relayed; failed attempts are recorded on the one usage event and never charged', async () => {
    const user = newUser();
    const ids = await addKeys(user, [
      { label: 'first', behaviour: 's503', priority: 1 },
      { label: 'second', behaviour: 's429', priority: 2 },
    ]);
    const res = await post(user, {}, { headers: { 'x-byok-fallback': 'never' } });
    expect(res.status).toBe(429);
    expect(res.route).toMatch(/user_provider\(openai\/first\):failed=503; user_provider\(openai\/second\):chosen=429; system\(openai\):skipped=platform_fallback_never/);
    expect(res.attempts).toBe('2');
    const requestId = String(res.headers['x-request-id']);
    const event = await waitFor(async () => (await h.usageEvents()).find((e: UsageEvent) => e.requestId === requestId), 5000, 'the usage event');
    expect(event).toMatchObject({ statusCode: 429, keyId: ids.second, creditsMicro: 0, credentialSource: 'user_provider' });
    expect(event.attempts).toEqual([
      { provider: 'openai', credentialSource: 'user_provider', keyId: ids.first, status: 503, outcome: '503', latencyMs: expect.any(Number) },
      { provider: 'openai', credentialSource: 'user_provider', keyId: ids.second, status: 429, outcome: 'answered 429', latencyMs: expect.any(Number) },
    ]);
    expect((await h.usageEvents()).filter((e) => e.requestId === requestId)).toHaveLength(1);
  });
});

describe('PROXY_MAX_ATTEMPTS', () => {
  const failing = (user: string) => addKeys(user, [1, 2, 3, 4].map((priority) => ({ label: `k${priority}`, behaviour: 's503', priority })));
  const calls = (user: string) => [1, 2, 3, 4].map((priority) => callsOf(user, `k${priority}`));

  it('tries at most 3 keys by default, then relays the last answer', async () => {
    const user = newUser();
    await failing(user);
    const res = await post(user, {}, { headers: { 'x-byok-fallback': 'never' } });
    expect(res.status).toBe(503);
    expect(res.attempts).toBe('3');
    expect(calls(user)).toEqual([1, 1, 1, 0]);
    expect(res.route).toMatch(/openai\/k1\):failed=503; user_provider\(openai\/k2\):failed=503; user_provider\(openai\/k3\):chosen=503; system\(openai\):skipped=platform_fallback_never/);
  });

  it('tries at most the number set', async () => {
    const user = newUser();
    await failing(user);
    const two = await h.startProxy({ settings: { maxAttempts: 2 } });
    const res = await post(user, {}, { proxy: two, headers: { 'x-byok-fallback': 'never' } });
    expect(res.status).toBe(503);
    expect(res.attempts).toBe('2');
    expect(calls(user)).toEqual([1, 1, 0, 0]);
  });
});

describe('GET /v1/models', () => {
  async function listed(user: string, headers: Record<string, string> = {}) {
    const res = await request(`${h.proxy.url}/v1/models`, { headers: { authorization: `Bearer ${await h.jwt(user)}`, ...headers } });
    expect(res.statusCode).toBe(200);
    const body = (await res.body.json()) as { data: Array<{ id: string; byok: { route: string; charged: boolean } }> };
    return new Map(body.data.map((m) => [m.id, m.byok]));
  }
  const never = { 'x-byok-fallback': 'never' };

  it('lists only what a key’s allow-list lets it serve', async () => {
    const user = newUser();
    await addKeys(user, [{ label: 'minis', behaviour: 'ok', models: ['*-mini'], tested: ['gpt-4o', 'gpt-4o-mini', 'o3-mini'] }]);
    const models = await listed(user, never);
    expect(models.get('gpt-4o-mini')).toMatchObject({ route: 'user_provider', charged: false });
    expect(models.get('o3-mini')).toMatchObject({ route: 'user_provider' });
    expect(models.has('gpt-4o')).toBe(false);
  });

  it('leaves out a cooling or circuit-open key’s models when no other route serves them, and shows the route that would', async () => {
    const cooled = newUser();
    await addKeys(cooled, [{ label: 'limited', behaviour: 's429ra30', tested: ['gpt-4o-mini'] }]);
    expect((await listed(cooled, never)).get('gpt-4o-mini')).toMatchObject({ route: 'user_provider' });
    expect((await post(cooled, {}, { headers: never })).status).toBe(429);
    expect((await listed(cooled, never)).has('gpt-4o-mini')).toBe(false);
    // With the platform allowed, its key would serve: listed, charged.
    expect((await listed(cooled)).get('gpt-4o-mini')).toMatchObject({ route: 'system', charged: true });

    const tripped = newUser();
    await addKeys(tripped, [{ label: 'flaky', behaviour: 's503', tested: ['gpt-4o-mini'] }]);
    for (let i = 0; i < 5; i++) await post(tripped, {}, { headers: never });
    expect((await listed(tripped, never)).has('gpt-4o-mini')).toBe(false);
  });

  it('leaves out the platform’s models with platform_fallback never (header or setting)', async () => {
    const user = newUser();
    expect((await listed(user)).get('gpt-4o-mini')).toMatchObject({ route: 'system', charged: true });
    expect((await listed(user, never)).size).toBe(0);
    await putUserSettings(h.api.runtime.orm.em.fork(), user, { platformFallback: 'never' });
    h.proxy.services.routes.invalidate(user);
    expect((await listed(user)).size).toBe(0);
  });
});

describe('taking turns and cooling down', () => {
  it('keys of equal priority alternate', async () => {
    const user = newUser();
    await addKeys(user, [
      { label: 'a', behaviour: 'ok', priority: 1 },
      { label: 'b', behaviour: 'ok', priority: 1 },
      { label: 'c', behaviour: 'ok', priority: 2 },
    ]);
    const order: string[] = [];
    for (let i = 0; i < 4; i++) order.push(JSON.parse((await post(user, {})).text).choices[0].message.content);
    const [a, b] = [`served by ${scripted(user, 'a')}`, `served by ${scripted(user, 'b')}`];
    expect(order[0] === a ? order : order.map((x) => (x === a ? b : a))).toEqual([a, b, a, b]);
    expect(callsOf(user, 'c')).toBe(0);
  });

  it('spreads a burst of concurrent requests over keys of equal priority', async () => {
    const user = newUser();
    await addKeys(user, [
      { label: 'a', behaviour: 'ok', priority: 1 },
      { label: 'b', behaviour: 'ok', priority: 1 },
    ]);
    await post(user, {}); // routes loaded, so the burst is decided from memory
    const burst = await Promise.all(Array.from({ length: 10 }, () => post(user, {})));
    expect(burst.map((r) => r.status)).toEqual(Array(10).fill(200));
    const served = burst.map((r) => JSON.parse(r.text).choices[0].message.content as string);
    const perKey = [scripted(user, 'a'), scripted(user, 'b')].map((k) => served.filter((x) => x === `served by ${k}`).length);
    expect(perKey).toEqual([5, 5]);
  });

  it('keeps alternating a provider’s keys whatever the user’s requests for another provider do in between', async () => {
    const user = newUser();
    await addKeys(user, [
      { label: 'a', behaviour: 'ok', priority: 1 },
      { label: 'b', behaviour: 'ok', priority: 1 },
    ]);
    const served: string[] = [];
    for (let i = 0; i < 4; i++) {
      served.push(JSON.parse((await post(user, {})).text).choices[0].message.content);
      // No key of the user's serves Anthropic: refused, and no turn of the OpenAI keys is spent.
      expect((await post(user, { model: 'claude-3-5-haiku' }, { headers: { 'x-byok-fallback': 'never' } })).status).toBe(400);
    }
    const [a, b] = [`served by ${scripted(user, 'a')}`, `served by ${scripted(user, 'b')}`];
    expect(served[0] === a ? served : served.map((x) => (x === a ? b : a))).toEqual([a, b, a, b]);
  });

  it('a 429’s Retry-After cools the key, for a second proxy instance within 1 s as well', async () => {
    const user = newUser();
    await addKeys(user, [
      { label: 'limited', behaviour: 's429ra2', priority: 1 },
      { label: 'spare', behaviour: 'ok', priority: 2 },
    ]);
    const second = await h.startProxy();
    // Both instances have the user's routes loaded before the cool-down starts.
    await post(user, {}, { proxy: second });
    const limitedCalls = callsOf(user, 'limited');
    const first = await post(user, {});
    expect(first.route).toMatch(/user_provider\(openai\/limited\):(failed=429 cooled 2s|skipped=cooling_down)/);
    const cooledAt = Date.now();
    const seen = await waitFor(async () => ((await post(user, {}, { proxy: second })).route.includes('limited):skipped=cooling_down') ? Date.now() : undefined), 2000, 'the cool-down on the second instance');
    expect(seen - cooledAt).toBeLessThan(1000);
    const callsWhileCooling = callsOf(user, 'limited');
    expect(callsWhileCooling).toBeLessThanOrEqual(limitedCalls + 1);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    up.set(scripted(user, 'limited'), 'ok');
    const after = await post(user, {}, { proxy: second });
    expect(JSON.parse(after.text).choices[0].message.content).toBe(`served by ${scripted(user, 'limited')}`);
  });

  it('five consecutive 5xx open the key’s circuit; after it one trial request closes it or opens it again', async () => {
    const user = newUser();
    await addKeys(user, [
      { label: 'flaky', behaviour: 's500', priority: 1 },
      { label: 'steady', behaviour: 'ok', priority: 2 },
    ]);
    const routes: string[] = [];
    for (let i = 0; i < 5; i++) routes.push((await post(user, {})).route);
    expect(routes[4]).toContain('flaky):failed=500 circuit open 2s');
    expect((await post(user, {})).route).toContain('flaky):skipped=circuit_open');
    expect(callsOf(user, 'flaky')).toBe(5);
    // Half-open: one trial, which fails and opens the circuit again.
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect((await post(user, {})).route).toContain('flaky):failed=500 circuit open');
    expect(callsOf(user, 'flaky')).toBe(6);
    expect((await post(user, {})).route).toContain('flaky):skipped=circuit_open');
    // The next trial succeeds and closes it.
    up.set(scripted(user, 'flaky'), 'ok');
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect(JSON.parse((await post(user, {})).text).choices[0].message.content).toBe(`served by ${scripted(user, 'flaky')}`);
    expect(JSON.parse((await post(user, {})).text).choices[0].message.content).toBe(`served by ${scripted(user, 'flaky')}`);
  });
});

describe('model lists and the platform key', () => {
  it('skips a key outside its allow-list and one whose last test did not list the model', async () => {
    const user = newUser();
    await addKeys(user, [
      { label: 'reasoning', behaviour: 'ok', priority: 1, models: ['o3*'] },
      { label: 'old', behaviour: 'ok', priority: 2, tested: ['gpt-3.5-turbo'] },
      { label: 'minis', behaviour: 'ok', priority: 3, models: ['gpt-4o*'] },
    ]);
    const res = await post(user, { model: 'gpt-4o-mini' });
    expect(res.route).toMatch(/openai\/reasoning\):skipped=model_not_allowed; user_provider\(openai\/old\):skipped=model_unavailable; user_provider\(openai\/minis\):chosen/);
    expect(JSON.parse(res.text).choices[0].message.content).toBe(`served by ${scripted(user, 'minis')}`);
    const o3 = await post(user, { model: 'o3-mini' });
    expect(JSON.parse(o3.text).choices[0].message.content).toBe(`served by ${scripted(user, 'reasoning')}`);
  });

  it('fails over to the platform key (charged) by default, never with platform_fallback never (setting or header): 400 no_route when no key of the user’s can serve', async () => {
    const user = newUser();
    await h.grantCredits(user, 5_000_000);
    await addKeys(user, [{ label: 'only', behaviour: 's503' }]);
    const allowed = await post(user, {});
    expect(allowed.status).toBe(200);
    expect(allowed.route).toMatch(/user_provider\(openai\/only\):failed=503; system\(openai\):chosen=200/);
    expect(allowed.headers['x-byok-used']).toBe('false');

    const byHeader = await post(user, {}, { headers: { 'x-byok-fallback': 'never' } });
    expect(byHeader.status).toBe(503);
    expect(byHeader.route).toContain('system(openai):skipped=platform_fallback_never');

    const keyless = newUser();
    await h.grantCredits(keyless, 5_000_000);
    const refused = await post(keyless, {}, { headers: { 'x-byok-fallback': 'never' } });
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.text).error).toMatchObject({ code: 'no_route' });
    expect(JSON.parse(refused.text).error.message).toContain('platform_fallback: never');
    expect(refused.route).toContain('system(openai):skipped=platform_fallback_never');

    await putUserSettings(h.api.runtime.orm.em.fork(), keyless, { platformFallback: 'never' });
    h.proxy.services.routes.invalidate(keyless);
    const bySetting = await post(keyless, {});
    expect(bySetting.status).toBe(400);
    expect(bySetting.route).toContain('system(openai):skipped=platform_fallback_never');
    // The header can narrow the setting, never widen it.
    expect((await post(keyless, {}, { headers: { 'x-byok-fallback': 'allow' } })).status).toBe(400);
    expect((await post(keyless, {}, { headers: { 'x-byok-fallback': 'sometimes' } })).status).toBe(400);
  });
});

describe('a user with one key', () => {
  const never = { headers: { 'x-byok-fallback': 'never' } };

  it('gets the provider’s 429 once; while the key cools down, 400 no_route saying when it serves again, or the platform key when allowed', async () => {
    const user = newUser();
    await addKeys(user, [{ label: 'default', behaviour: 's429ra30' }]);
    const first = await post(user, {}, never);
    expect(first.status).toBe(429);
    expect(first.headers['retry-after']).toBe('30');
    for (let i = 0; i < 2; i++) {
      const res = await post(user, {}, never);
      expect(res.status, res.text).toBe(400);
      const error = JSON.parse(res.text).error;
      expect(error).toMatchObject({ code: 'no_route', retry_after: expect.any(Number) });
      expect(error.message).toContain('your OpenAI key is cooling down');
      expect(error.retry_after).toBeGreaterThanOrEqual(1);
      expect(error.retry_after).toBeLessThanOrEqual(30);
      expect(res.headers['retry-after']).toBe(String(error.retry_after));
      expect(res.route).toMatch(/^user_openrouter:skipped=no_key; user_provider\(openai\/default\):skipped=cooling_down; system\(openai\):skipped=platform_fallback_never/);
    }
    expect(callsOf(user, 'default')).toBe(1);
    await h.grantCredits(user, 5_000_000);
    const allowed = await post(user, {});
    expect(allowed.status).toBe(200);
    expect(allowed.route).toContain('user_provider(openai/default):skipped=cooling_down; system(openai):chosen=200');
    expect(callsOf(user, 'default')).toBe(1);
  });

  it('stops sending requests to a key whose circuit opened: 400 no_route until its half-open trial', async () => {
    const user = newUser();
    await addKeys(user, [{ label: 'default', behaviour: 's503' }]);
    for (let i = 0; i < 5; i++) expect((await post(user, {}, never)).status).toBe(503);
    for (let i = 0; i < 3; i++) {
      const res = await post(user, {}, never);
      expect(res.status).toBe(400);
      // The harness opens circuits for 1.5 s.
      expect(JSON.parse(res.text).error).toMatchObject({ code: 'no_route', retry_after: expect.any(Number) });
      expect(JSON.parse(res.text).error.retry_after).toBeLessThanOrEqual(2);
      expect(res.route).toContain('user_provider(openai/default):skipped=circuit_open');
    }
    expect(callsOf(user, 'default')).toBe(5);
  });
});
