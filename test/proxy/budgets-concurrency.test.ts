import { type Budget, periodWindow } from '@byok/budgets';
import { budgetCounterKeys, readBudgetUse, trackedRequestIds } from '@byok/budgets/counters';
import { findBudgetsOfOwners } from '@byok/db';
import { startUsageConsumer, type UsageConsumerHandle } from '@byok/usage-consumer';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteRedisKeysMatching } from '../support/redis-cleanup.js';
import { testServiceUrls } from '../support/services.js';
import { startTcpSwitch, type TcpSwitch } from '../support/tcp-switch.js';
import { startProxyHarness, waitFor, type ProxyHarness, type ProxyInstance } from './support/proxy-harness.js';

/**
 * Issue #18, enforcement: budgets hold on every proxy instance at once (counters in Redis), cut
 * streams at the cap, reset with their period, are rebuilt from the record when Redis lost them,
 * make an exhausted key fail over, and follow BUDGET_REDIS_DOWN while Redis is away. Budgets are
 * plain rows in `budgets` (the API that writes them is another part of #18).
 */

let h: ProxyHarness;
let second: ProxyInstance;
/** The clock of the instance that travels in time (period reset). */
let clockMs = Date.now();
let timeTraveller: ProxyInstance;
beforeAll(async () => {
  h = await startProxyHarness('proxy_budgets', { systemKeyProviders: ['openai'] });
  second = await h.startProxy();
  timeTraveller = await h.startProxy({ now: () => clockMs });
}, 120_000);
afterAll(async () => {
  await h?.close();
});

const PROMPT = [{ role: 'user', content: 'hi' }];

async function chat(proxy: ProxyInstance, userId: string, body: Record<string, unknown> = {}) {
  const res = await request(`${proxy.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await h.jwt(userId)}` },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: PROMPT, ...body }),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text };
}

async function insertBudget(ownerId: string, fields: { scope?: string; scopeId?: string; requests?: number; tokens?: number; spend?: number; action?: string }): Promise<string> {
  const rows = await h.api.db.sql<{ id: string }>(
    `INSERT INTO budgets (owner_id, scope, scope_id, period, limit_requests, limit_tokens, limit_spend_micro_usd, action, created_by)
     VALUES ($1, $2, $3, 'day', $4, $5, $6, $7, $1) RETURNING id`,
    [ownerId, fields.scope ?? 'user', fields.scopeId ?? null, fields.requests ?? null, fields.tokens ?? null, fields.spend ?? null, fields.action ?? 'block'],
  );
  const id = rows[0]?.id;
  if (id === undefined) throw new Error('budget insert returned no id');
  return id;
}

const errorOf = (text: string) => (JSON.parse(text) as { error: { code: string; message: string } }).error;

describe('budget enforcement across proxy instances', () => {
  it('50 concurrent requests against a 10-request budget on two instances: exactly 10 succeed, the rest get 429 naming the budget', async () => {
    await h.addKey('burst-user', 'openai');
    const budgetId = await insertBudget('burst-user', { requests: 10 });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => chat(i % 2 === 0 ? h.proxy : second, 'burst-user')));
    expect(results.filter((r) => r.status === 200)).toHaveLength(10);
    const refused = results.filter((r) => r.status !== 200);
    expect(new Set(refused.map((r) => r.status))).toEqual(new Set([429]));
    const first = refused[0];
    expect(errorOf(first?.text ?? '{}')).toMatchObject({ code: 'budget_exceeded', message: expect.stringContaining(budgetId) });
    expect(Number(first?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(String(first?.headers['x-byok-route'])).toContain(`skipped=budget_exceeded(budget ${budgetId})`);
    const ok = results.find((r) => r.status === 200);
    expect(String(ok?.headers['x-byok-budget-remaining'])).toMatch(new RegExp(`^requests=\\d+; budget=${budgetId}; resets=\\d{4}-\\d\\d-\\d\\dT`));
    // Refused requests still emit their usage event, marked with the refusing budget.
    const events = await waitFor(async () => {
      const mine = (await h.usageEvents()).filter((e) => e.userId === 'burst-user');
      return mine.length === 50 ? mine : undefined;
    }, 10_000, 'the 50 usage events');
    expect(events.filter((e) => e.blockedBudgetId === budgetId)).toHaveLength(40);
    expect(events.filter((e) => e.blockedBudgetId === budgetId).every((e) => e.statusCode === 429 && e.promptTokens === 0)).toBe(true);
  }, 60_000);

  it('a spend budget with streaming answers on two instances: total spend at most the limit plus one chunk', async () => {
    await h.addKey('spend-user', 'openai');
    // gpt-4: 30 micro-USD per prompt token, 60 per completion token; the largest chunk (" OpenAI") is 2 tokens.
    const limit = 2000;
    const oneChunkMicro = 2 * 60;
    await insertBudget('spend-user', { spend: limit });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => chat(i % 2 === 0 ? h.proxy : second, 'spend-user', { model: 'gpt-4-slow-stream-50', stream: true, max_tokens: 10 })),
    );
    expect(results.some((r) => r.status === 200)).toBe(true);
    expect(results.some((r) => r.status === 429)).toBe(true);
    const events = await waitFor(async () => {
      const mine = (await h.usageEvents()).filter((e) => e.userId === 'spend-user');
      return mine.length === 50 ? mine : undefined;
    }, 15_000, 'the 50 usage events');
    const spent = events.filter((e) => e.blockedBudgetId === undefined).reduce((sum, e) => sum + e.costMicro, 0);
    expect(spent).toBeGreaterThan(0);
    expect(spent).toBeLessThanOrEqual(limit + oneChunkMicro);
  }, 90_000);

  it('cuts a stream where its budget runs out: a length chunk, a budget_exceeded error event, [DONE], and the upstream is aborted', async () => {
    await h.addKey('cut-user', 'openai');
    // The prompt's estimate is 8 tokens; 2 more fit, so the cut comes after the answer's second piece.
    const budgetId = await insertBudget('cut-user', { tokens: 10 });
    h.mock.resetCalls();
    const res = await chat(h.proxy, 'cut-user', { model: 'gpt-4o-mini-slow-stream-50', stream: true });
    expect(res.status).toBe(200);
    expect(String(res.headers['x-byok-budget-remaining'])).toContain(`tokens=0; budget=${budgetId}`);
    const events = res.text.split('\n\n').filter((e) => e.startsWith('data: '));
    const content = events.flatMap((e) => {
      const data = e.slice(6);
      if (data === '[DONE]') return [];
      const parsed = JSON.parse(data) as { choices?: Array<{ delta?: { content?: string } }> };
      return parsed.choices?.[0]?.delta?.content ?? [];
    });
    expect(content.join('')).toBe('Hello from');
    const tail = events.slice(-3);
    expect(JSON.parse(tail[0]?.slice(6) ?? '{}')).toMatchObject({ object: 'chat.completion.chunk', choices: [{ delta: {}, finish_reason: 'length' }] });
    expect(JSON.parse(tail[1]?.slice(6) ?? '{}')).toMatchObject({ error: { code: 'budget_exceeded' } });
    expect(tail[2]).toBe('data: [DONE]');
    await waitFor(() => h.mock.calls({ provider: 'openai' }).some((c) => c.aborted), 5000, 'the upstream to see the abort');
    // The next stream finds nothing left.
    expect((await chat(h.proxy, 'cut-user', { stream: true })).status).toBe(429);
  }, 30_000);

  it('an absurd max_tokens is more than a budget has left (429), never an error or a way past it', async () => {
    await h.addKey('huge-user', 'openai');
    const budgetId = await insertBudget('huge-user', { tokens: 1_000_000, spend: 1_000_000 });
    for (const max_tokens of [1e300, Number.MAX_SAFE_INTEGER]) {
      const res = await chat(h.proxy, 'huge-user', { max_tokens, n: 128 });
      expect(res.status, res.text).toBe(429);
      expect(errorOf(res.text)).toMatchObject({ code: 'budget_exceeded', message: expect.stringContaining(budgetId) });
    }
    expect((await chat(h.proxy, 'huge-user', { max_tokens: 16 })).status).toBe(200);
  }, 30_000);

  it('a stream whose client leaves early still counts what it used (estimated), on the counters as in its usage event', async () => {
    await h.addKey('leaver', 'openai');
    await insertBudget('leaver', { tokens: 100_000 });
    const controller = new AbortController();
    const res = await request(`${h.proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await h.jwt('leaver')}` },
      body: JSON.stringify({ model: 'gpt-4o-mini-slow-stream', messages: PROMPT, stream: true }),
      signal: controller.signal,
    });
    for await (const chunk of res.body) {
      if (String(chunk).includes('Hello')) break;
    }
    controller.abort();
    const event = await waitFor(async () => (await h.usageEvents()).find((e) => e.userId === 'leaver'), 10_000, 'the usage event');
    expect(event).toMatchObject({ statusCode: 499, estimated: true });
    expect(event.promptTokens + event.completionTokens).toBeGreaterThan(0);
    const [budget] = (await findBudgetsOfOwners(h.api.runtime.orm.em.fork(), ['leaver'])) as Budget[];
    if (budget === undefined) throw new Error('budget not found');
    const window = periodWindow(budget.period, budget.timeZone, Date.now());
    await waitFor(
      async () => (await readBudgetUse(h.api.runtime.redis, h.config.redisPrefix, budget, window)).use.tokens === event.promptTokens + event.completionTokens,
      5000,
      'the counter to hold what the event records',
    );
  }, 30_000);

  it('a new period starts from nothing (the clock moved past the reset)', async () => {
    await h.addKey('period-user', 'openai');
    await insertBudget('period-user', { requests: 1 });
    clockMs = Date.now();
    expect((await chat(timeTraveller, 'period-user')).status).toBe(200);
    const refused = await chat(timeTraveller, 'period-user');
    expect(refused.status).toBe(429);
    clockMs += 24 * 3600 * 1000;
    expect((await chat(timeTraveller, 'period-user')).status).toBe(200);
  }, 30_000);

  it('counters Redis lost mid-period are rebuilt from the record before the next request', async () => {
    const consumer: UsageConsumerHandle = await startUsageConsumer(h.api.runtime, { budgetReconcileIntervalMs: 0 });
    try {
      await h.addKey('rebuild-user', 'openai');
      await insertBudget('rebuild-user', { requests: 3 });
      expect((await chat(h.proxy, 'rebuild-user')).status).toBe(200);
      expect((await chat(second, 'rebuild-user')).status).toBe(200);
      await waitFor(async () => {
        const rows = await h.api.db.sql<{ n: string }>("SELECT count(*) AS n FROM usage_events WHERE user_id = 'rebuild-user'", []);
        return Number(rows[0]?.n) === 2;
      }, 15_000, 'the record to hold both requests');
      const deleted = await deleteRedisKeysMatching(`${h.config.redisPrefix}:bud:{rebuild-user}*`);
      expect(deleted.length).toBeGreaterThan(0);
      // The record holds 2 of 3: one more fits, then none (without the rebuild, three more would).
      expect((await chat(second, 'rebuild-user')).status).toBe(200);
      expect((await chat(h.proxy, 'rebuild-user')).status).toBe(429);
    } finally {
      await consumer.close();
    }
  }, 60_000);

  it('the usage consumer reconciles drifted counters with the record every interval, keeping holds in flight', async () => {
    const consumer = await startUsageConsumer(h.api.runtime, { budgetReconcileIntervalMs: 200 });
    try {
      await h.addKey('drift-user', 'openai');
      await insertBudget('drift-user', { requests: 100 });
      expect((await chat(h.proxy, 'drift-user')).status).toBe(200);
      expect((await chat(second, 'drift-user')).status).toBe(200);
      const [budget] = (await findBudgetsOfOwners(h.api.runtime.orm.em.fork(), ['drift-user'])) as Budget[];
      if (budget === undefined) throw new Error('budget not found');
      const window = periodWindow(budget.period, budget.timeZone, Date.now());
      const redis = h.api.runtime.redis;
      const keys = budgetCounterKeys(h.config.redisPrefix, budget, window);
      // Both settles have reached the counter (they are sent in batches).
      await waitFor(async () => (await trackedRequestIds(redis, keys)).length === 2 || (await readBudgetUse(redis, h.config.redisPrefix, budget, window)).use.requests === 2, 5000, 'the settles');
      // Drift: the seed says 40 requests the record never had.
      await redis.hset(keys.counter, 'seed', '40,0,0');
      await redis.hincrby(keys.counter, 't1', 40);
      expect((await readBudgetUse(redis, h.config.redisPrefix, budget, window)).use.requests).toBe(42);
      // Corrected to the record (2 requests), whose ids no longer count on their own.
      await waitFor(
        async () => (await trackedRequestIds(redis, keys)).length === 0 && (await readBudgetUse(redis, h.config.redisPrefix, budget, window)).use.requests === 2,
        15_000,
        'the counters to match the record',
      );
    } finally {
      await consumer.close();
    }
  }, 60_000);

  it('far from its limit, a busy budget is held from leases on both instances: every request counts once, and the leases go back when requests stop', async () => {
    await h.addKey('lease-user', 'openai');
    await insertBudget('lease-user', { requests: 100_000, tokens: 100_000_000 });
    let ok = 0;
    for (let round = 0; round < 15; round++) {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => chat(i % 2 === 0 ? h.proxy : second, 'lease-user')));
      ok += results.filter((r) => r.status === 200).length;
    }
    expect(ok).toBe(300);
    const [budget] = (await findBudgetsOfOwners(h.api.runtime.orm.em.fork(), ['lease-user'])) as Budget[];
    if (budget === undefined) throw new Error('budget not found');
    const window = periodWindow(budget.period, budget.timeZone, Date.now());
    const redis = h.api.runtime.redis;
    const keys = budgetCounterKeys(h.config.redisPrefix, budget, window);
    // Every settle arrived, and once idle the instances hold no slice: the counter is exactly the 300 requests.
    await waitFor(
      async () => {
        const fields = Object.keys(await redis.hgetall(keys.counter));
        return fields.filter((f) => f.startsWith('s:')).length === 300 && !fields.some((f) => f.startsWith('l:') || f.startsWith('h:'));
      },
      10_000,
      'the settles and the leases to come back',
    );
    expect((await readBudgetUse(redis, h.config.redisPrefix, budget, window)).use.requests).toBe(300);
  }, 60_000);

  it("an exhausted key budget makes that key skip and the pool fail over to the next; the receipt says budget_exceeded", async () => {
    const { id: routerKeyId } = await h.addKey('key-user', 'openrouter');
    await h.addKey('key-user', 'openai');
    const budgetId = await insertBudget('key-user', { scope: 'key', scopeId: routerKeyId, requests: 0 });
    const res = await chat(h.proxy, 'key-user');
    expect(res.status, res.text).toBe(200);
    expect(res.headers['x-byok-provider']).toBe('openai');
    expect(String(res.headers['x-byok-route'])).toContain(`user_openrouter(default):skipped=budget_exceeded(budget ${budgetId})`);
  }, 30_000);
});

describe('budgets while Redis is away (BUDGET_REDIS_DOWN)', () => {
  let redisSwitch: TcpSwitch;
  const instances: Record<'open' | 'closed' | 'auto', ProxyInstance | undefined> = { open: undefined, closed: undefined, auto: undefined };
  beforeAll(async () => {
    const target = new URL(testServiceUrls().redisUrl);
    redisSwitch = await startTcpSwitch({ host: target.hostname, port: Number(target.port || 6379) });
    const redisUrl = redisSwitch.url(testServiceUrls().redisUrl);
    for (const mode of ['open', 'closed', 'auto'] as const) instances[mode] = await h.startProxy({ redisUrl, settings: { budgetRedisDown: mode } });
    await h.addKey('down-user', 'openai');
    await insertBudget('down-user', { requests: 100 });
    await h.grantCredits('down-platform-user', 10_000_000);
    await insertBudget('down-platform-user', { requests: 100 });
    // Budgets are cached before Redis goes.
    for (const instance of Object.values(instances)) if (instance !== undefined) expect((await chat(instance, 'down-user')).status).toBe(200);
    await redisSwitch.off();
  }, 120_000);
  afterAll(async () => {
    await redisSwitch?.on().catch(() => undefined);
    await redisSwitch?.close();
  });

  it('closed refuses with 503, open lets the request through unmetered and logs it', async () => {
    const closed = await chat(instances.closed as ProxyInstance, 'down-user');
    expect(closed.status).toBe(503);
    expect(errorOf(closed.text).code).toBe('redis_unavailable');
    const open = instances.open as ProxyInstance;
    expect((await chat(open, 'down-user')).status).toBe(200);
    expect(open.logs.join('')).toContain('the request goes through unmetered');
  }, 30_000);

  it('auto (the default) is open for BYOK keys and closed for platform keys', async () => {
    const auto = instances.auto as ProxyInstance;
    expect((await chat(auto, 'down-user')).status).toBe(200);
    const platform = await chat(auto, 'down-platform-user');
    expect(platform.status).toBe(503);
    // Refused by the budget check, which comes before the credit check.
    expect(errorOf(platform.text).message).toContain('Budgets cannot be checked');
  }, 30_000);
});
