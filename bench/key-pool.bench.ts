/**
 * Issue #14's costs. (1) The routing decision for a user holding 10 keys for each of two providers
 * (equal priorities taking turns, allow-lists, a cool-down map lookup per key, the proxy's attempt
 * budget of 3 as `maxUsable`) against the same decision for a user with one key per provider,
 * measured in the same rounds (target: within 2×).
 * (2) What a failover costs beyond its failed attempt: sequential requests through a real proxy
 * (in process, Postgres and Redis as in the tests) for a user whose first key answers 429 at once
 * and whose second answers 200, against a user with one working key, minus the failed attempt's
 * own time (a 429 fetched straight from the same upstream). Target: at most 1 ms.
 *
 * The proxy's happy-path throughput share of the pass-through (the third target) is
 * `proxy.bench.ts`, whose BYOK user has one key and so takes the pool's single-key path.
 * `BENCH_KEY_POOL_REQUESTS` sets the sequential requests per target (default 400).
 */
import { createKeyring, generateKey } from '@byok/crypto';
import { upsertProviderKey } from '@byok/db';
import { type KeyAvailability, createModelResolver, createRouteCache, createSystemKeySet, formatReceipt, resolveRoute, type StoredUserKey, type UserRoutes } from '@byok/routing';
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
import { startProxyHarness } from '../test/proxy/support/proxy-harness.js';
import { scriptedKey, startScriptedUpstream } from '../test/proxy/support/scripted-upstream.js';
import { quantile } from './support/proxy-load.js';
import type { Benchmark } from './run.js';

const ROUNDS = 7;
const ROUND_MS = 100;
const REQUESTS = Number(process.env.BENCH_KEY_POOL_REQUESTS ?? 400);
const MODELS = ['gpt-4o-mini', 'claude-3-5-sonnet', 'gpt-4o', 'claude-3-5-haiku-latest'];

let sink: unknown;

function nsPerOp(op: (i: number) => unknown, batch: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < batch; i++) sink = op(i);
  return Number(process.hrtime.bigint() - start) / batch;
}

function batchFor(op: (i: number) => unknown): number {
  nsPerOp(op, 20_000);
  return Math.max(1000, Math.round((ROUND_MS * 1e6) / Math.max(1, nsPerOp(op, 20_000))));
}

/** Keys as the route cache loads them: `perProvider` for OpenAI and Anthropic each. */
function rows(perProvider: number, keyring: ReturnType<typeof createKeyring>): StoredUserKey[] {
  return ['openai', 'anthropic'].flatMap((provider) =>
    Array.from({ length: perProvider }, (_, n) => ({
      id: `${provider}-${n}`,
      provider,
      apiKeyEncrypted: keyring.encrypt(`sk-fake-${provider}-${n}`),
      enabled: true,
      testStatus: 'valid',
      label: n === 0 ? 'default' : `key-${n}`,
      // Pairs share a priority (so they take turns); every third key has an allow-list.
      priority: 1 + Math.floor(n / 2),
      models: perProvider > 1 && n % 3 === 2 ? ['gpt-4o*', 'claude-3-5-*'] : null,
    })),
  );
}

async function routingDecision(): Promise<string> {
  const keyring = createKeyring([generateKey()]);
  const cache = createRouteCache({ loadUserKeys: async (userId) => rows(userId === 'pool' ? 10 : 1, keyring), keyring, subscribe: async () => async () => {} });
  await cache.start();
  const single = await cache.get('single');
  const pool = await cache.get('pool');
  const systemKeys = createSystemKeySet({ openai: { systemApiKey: 'sys-oa' } });
  const models = createModelResolver();
  // One key in ten is cooling down: every candidate costs a Map lookup, as in the proxy.
  const cooling = new Map([...Array.from({ length: 10 }, (_, n) => `openai-${n}`)].filter((_, n) => n % 10 === 3).map((id) => [id, { reason: 'cooling_down' as const }]));
  const keyHealth: KeyAvailability = { blocked: (id) => cooling.get(id) ?? null };
  const decide = (routes: UserRoutes) => (i: number) =>
    formatReceipt(resolveRoute(routes, systemKeys, MODELS[i % MODELS.length] ?? '', 1_000_000, models, { keyHealth, turns: routes.turns, maxUsable: 3 }).decision);
  const subjects = [
    { name: 'one key per provider: decision + credential + receipt', op: decide(single) },
    { name: '10 keys per provider: decision + credential + receipt', op: decide(pool) },
  ];
  const batches = subjects.map((s) => batchFor(s.op));
  const samples: number[][] = subjects.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [k, subject] of subjects.entries()) samples[k]?.push(nsPerOp(subject.op, batches[k] ?? 1000));
  }
  await cache.close();
  const medians = samples.map((list) => quantile(list, 0.5));
  const ratio = (medians[1] ?? Number.NaN) / (medians[0] ?? Number.NaN);
  return [
    '| op | ns/op |',
    '| --- | ---: |',
    ...subjects.map((s, k) => `| ${s.name} | ${(medians[k] ?? Number.NaN).toFixed(0)} |`),
    '',
    `10 keys per provider vs one: **${ratio.toFixed(2)}×** (target ≤ 2×: ${ratio <= 2 ? 'met' : '**not met**'}). Median of ${ROUNDS} rounds of ~${ROUND_MS} ms; four models in turn, OpenAI and Anthropic.`,
  ].join('\n');
}

async function failoverCost(): Promise<string> {
  const upstream = await startScriptedUpstream();
  const h = await startProxyHarness('bench_key_pool', { env: { PROVIDER_OPENAI_BASE_URL: upstream.baseUrl } });
  try {
    const keyring = h.api.runtime.keyring;
    const save = async (userId: string, label: string, behaviour: string, priority: number) => {
      const id = randomUUID();
      const token = keyring.encrypt(scriptedKey(behaviour, `${userId}_${label}`));
      await upsertProviderKey(h.api.runtime.orm.em.fork(), { id, userId, provider: 'openai', label, priority, apiKeyEncrypted: token, keyHint: 'sk-...', binding: keyring.bind({ id, userId, provider: 'openai' }, token) });
    };
    await save('one', 'default', 'ok', 1);
    // `Retry-After: 0`: the key is cooled for no time, so every request fails over from it again.
    await save('failover', 'limited', 's429ra0', 1);
    await save('failover', 'spare', 'ok', 2);
    const agent = new Agent({ connections: 1, pipelining: 1 });
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    const tokens = { one: await h.jwt('one'), failover: await h.jwt('failover') };
    const timed = async (url: string, headers: Record<string, string>, payload: string): Promise<number> => {
      const started = process.hrtime.bigint();
      const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload, dispatcher: agent });
      await res.body.dump();
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const through = (user: 'one' | 'failover') => timed(`${h.proxy.url}/v1/chat/completions`, { authorization: `Bearer ${tokens[user]}` }, body);
    const direct429 = () => timed(`${upstream.baseUrl}/chat/completions`, { authorization: `Bearer ${scriptedKey('s429ra0', 'direct')}` }, body);
    const samples = { one: [] as number[], failover: [] as number[], direct: [] as number[] };
    // Interleaved, so load from other processes hits the three alike.
    for (let i = 0; i < REQUESTS; i++) {
      samples.one.push(await through('one'));
      samples.failover.push(await through('failover'));
      samples.direct.push(await direct429());
    }
    await agent.close();
    const p50 = (list: number[]) => quantile(list, 0.5);
    const extra = p50(samples.failover) - p50(samples.one) - p50(samples.direct);
    return [
      '| target | p50 ms | p90 ms |',
      '| --- | ---: | ---: |',
      `| proxy, one working key | ${p50(samples.one).toFixed(3)} | ${quantile(samples.one, 0.9).toFixed(3)} |`,
      `| proxy, 429 then a working key | ${p50(samples.failover).toFixed(3)} | ${quantile(samples.failover, 0.9).toFixed(3)} |`,
      `| the 429 alone, straight to the upstream | ${p50(samples.direct).toFixed(3)} | ${quantile(samples.direct, 0.9).toFixed(3)} |`,
      '',
      `Failover cost beyond the failed attempt (p50): **${extra.toFixed(3)} ms** (target ≤ 1 ms: ${extra <= 1 ? 'met' : '**not met**'}). ${REQUESTS} sequential requests per target on one connection, interleaved.`,
    ].join('\n');
  } finally {
    await h.close();
    await upstream.close();
  }
}

const benchmark: Benchmark = {
  title: 'Key pool (#14): routing with 10 keys per provider, and what a failover costs',
  async run() {
    const decision = await routingDecision();
    const failover = await failoverCost();
    if (sink === Symbol.for('never')) console.log(sink);
    return `### Routing decision\n\n${decision}\n\n### Failover\n\n${failover}`;
  },
};

export default benchmark;
