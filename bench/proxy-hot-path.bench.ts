/**
 * The proxy's own work per request, piece by piece, in µs — the part of "added latency" that is
 * the proxy's code rather than the network or the machine's scheduler (which, on a busy shared
 * box, dominate `proxy.bench.ts`). Pure in-process work, timed in calibrated loops (median of
 * rounds, every subject in every round); the usage-event delivery is timed as CPU per event over
 * real `addBulk` batches to Redis, the way the proxy sends them.
 */
import { generateGatewayToken } from '@byok/auth';
import { createKeyring, generateKey } from '@byok/crypto';
import { ChatCompletionRequestSchema, chatAdapterFor, PROVIDERS, usageFromOpenAI } from '@byok/providers';
import { createProducerConnection, createProducers, type UsageEvent } from '@byok/queues';
import { createModelResolver, createRouteCache, createSystemKeySet, resolveRoute } from '@byok/routing';
import { createGatewayMetrics, createLogger } from '@byok/telemetry';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { createCallerResolver } from '../apps/proxy/src/auth/caller-resolver.js';
import { createGatewayTokenCache } from '../apps/proxy/src/auth/gateway-token-cache.js';
import { createAfterResponse } from '../apps/proxy/src/chat/after-response.js';
import { createExchange, type Exchange } from '../apps/proxy/src/chat/exchange.js';
import { routeHeaders } from '../apps/proxy/src/chat/route-headers.js';
import { typeboxValidatorCompiler } from '../apps/proxy/src/chat/typebox-validator.js';
import { SHIPPED_PRICE_TABLE } from '../apps/proxy/src/pricing/price-table.js';
import { createPricer } from '../apps/proxy/src/pricing/pricer.js';
import { createUsageSink } from '../apps/proxy/src/usage/usage-sink.js';
import { deleteRedisPrefix } from '../test/support/redis-cleanup.js';
import { testServiceUrls, uniqueTestName } from '../test/support/services.js';
import { quantile } from './support/proxy-load.js';
import type { Benchmark } from './run.js';

const ROUNDS = 7;
const ROUND_MS = 60;

interface Subject {
  name: string;
  op(i: number): unknown;
  async?: boolean;
  /** A variant of a step that a repeat caller's request does not take: shown, not summed. */
  variant?: boolean;
}

async function time(subject: Subject, batch: number): Promise<number> {
  const start = performance.now();
  // The results are dropped: every step has side effects (allocations, cache reads), so nothing
  // is optimised away.
  if (subject.async) for (let i = 0; i < batch; i++) await subject.op(i);
  else for (let i = 0; i < batch; i++) subject.op(i);
  return ((performance.now() - start) * 1000) / batch;
}

async function calibrate(subject: Subject): Promise<number> {
  await time(subject, 5000);
  const us = await time(subject, 20_000);
  return Math.max(1000, Math.round((ROUND_MS * 1000) / Math.max(0.01, us)));
}

const REQUEST = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Say hello to me' }] };
const COMPLETION = JSON.stringify({
  id: 'chatcmpl-mock-1',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from OpenAI', refusal: null }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 },
});

async function subjects(): Promise<Subject[]> {
  const token = generateGatewayToken();
  const tokens = createGatewayTokenCache({
    ttlMs: 3_600_000,
    staleMaxMs: 0,
    find: async () => ({ id: randomUUID(), userId: 'u1', orgId: null, name: 'b', tokenPrefix: token.prefix, createdAt: new Date(), lastUsedAt: null, expiresAt: null, revokedAt: null }),
  });
  const callers = createCallerResolver({ tokens, authenticator: { verify: async () => Promise.reject(new Error('not used')) } });
  const authorization = `Bearer ${token.token}`;
  await callers.resolve(authorization);

  const keyring = createKeyring([generateKey()]);
  const routes = createRouteCache({
    loadUserKeys: async () => [{ id: 'k1', provider: 'openai', apiKeyEncrypted: keyring.encrypt('sk-bench-key'), enabled: true, testStatus: 'valid', keyVersion: 1 }],
    keyring,
    subscribe: async () => async () => {},
  });
  await routes.start();
  await routes.get('u1');
  const systemKeys = createSystemKeySet({});
  const models = createModelResolver();
  const validate = typeboxValidatorCompiler({ schema: ChatCompletionRequestSchema });
  const adapter = chatAdapterFor(PROVIDERS.openai.chat);
  const silent = createLogger({ level: 'silent', name: 'bench', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
  const recorded: UsageEvent[] = [];
  const after = createAfterResponse({
    usage: { record: (e) => void recorded.push(e), flush: async () => true, close: () => undefined, buffered: 0, dropped: 0 },
    pricer: createPricer(SHIPPED_PRICE_TABLE),
    // The measured path is a BYOK key, which reserves no credits.
    credits: { reserve: () => Promise.reject(new Error('no credits on a BYOK path')), settle: () => undefined },
    // No budget applies on the measured path (bench/budgets.bench.ts measures them).
    budgets: { settle: () => undefined },
    keyRejections: { report: () => undefined },
    // A healthy key: a success with no failure streak writes nothing.
    keyHealth: { recordFailure: () => null, recordSuccess: () => undefined },
    tokenUses: { used: () => undefined },
    logger: silent,
    metrics: createGatewayMetrics(),
  });
  const keyId = randomUUID();
  const exchange = (): Exchange => {
    const started = performance.now() - 1;
    const e = createExchange({
      requestId: randomUUID(),
      caller: { userId: 'u1', tokenId: 't1' },
      chosen: { provider: 'openai', upstreamModel: 'gpt-4o-mini', credentialSource: 'user_provider', keyId },
      requestedModel: 'gpt-4o-mini',
      stream: false,
      startedAt: started,
    });
    e.firstByteAt = started + 0.5;
    e.usage = { promptTokens: 4, completionTokens: 3, totalTokens: 7 };
    return e;
  };

  return [
    { name: 'body check (compiled TypeBox)', op: () => validate(REQUEST) },
    { name: 'caller: gateway token, first use of its header (shape, SHA-256, cache hit)', op: () => callers.resolve(authorization), async: true, variant: true },
    { name: 'caller: gateway token seen before (from memory, no promise)', op: () => callers.fromMemory(authorization, undefined) },
    {
      name: 'route: cache hit + decision + credential + receipt headers',
      op: async () => {
        const route = resolveRoute(await routes.get('u1'), systemKeys, 'gpt-4o-mini', null, models);
        return routeHeaders(route.decision, 'req-1');
      },
      async: true,
    },
    {
      name: 'upstream request: OpenAI adapter (copy + JSON.stringify + headers)',
      op: () => adapter.buildRequest({ request: REQUEST, upstreamModel: 'gpt-4o-mini', apiKey: 'sk-bench-key', baseUrl: 'http://127.0.0.1:1/openai/v1', spec: PROVIDERS.openai.chat, auth: PROVIDERS.openai.auth }),
    },
    { name: 'answer: JSON.parse + usage (pass-through body)', op: () => usageFromOpenAI((JSON.parse(COMPLETION) as { usage: unknown }).usage) },
    {
      name: 'after response: price, event, metrics (no I/O)',
      op: () => {
        after(exchange(), 200);
        if (recorded.length > 10_000) recorded.length = 0;
      },
    },
  ];
}

/**
 * CPU µs per usage event delivered to real Redis, either through the proxy's sink (one job per
 * `batch` events) or, for comparison, as one job per event (the queue's contract before batching)
 * in `addBulk` calls of `batch` jobs.
 */
async function usageDelivery(shape: 'sink' | 'job-per-event', batch: number, events: number): Promise<number> {
  const prefix = uniqueTestName('bench_usage_delivery');
  const connection = createProducerConnection(testServiceUrls().redisUrl);
  connection.on('error', () => undefined);
  if (connection.status !== 'ready') await new Promise((resolve) => connection.once('ready', resolve));
  const producers = createProducers({ connection, prefix });
  const queue = producers.usageEvents.queue;
  const sink = createUsageSink({ queue, connection, logger: createLogger({ level: 'silent', name: 'bench' }), maxBuffered: events, batchSize: batch, lingerMs: 0 });
  try {
    const event = (): UsageEvent => ({
      requestId: randomUUID(), userId: 'u1', provider: 'openai', model: 'gpt-4o-mini', credentialSource: 'user_provider', statusCode: 200, stream: false,
      promptTokens: 4, completionTokens: 3, costMicro: 3, creditsMicro: 0, latencyMs: 2, ttfbMs: 1, occurredAt: new Date().toISOString(),
    });
    const send = async (n: number) => {
      if (shape === 'sink') {
        for (let i = 0; i < n; i++) sink.record(event());
        if (!(await sink.flush(30_000))) throw new Error('usage sink did not drain');
        return;
      }
      for (let i = 0; i < n; i += batch) {
        await queue.addBulk(Array.from({ length: Math.min(batch, n - i) }, event).map((data) => ({ name: 'usage-events', data, opts: { jobId: data.requestId } })));
      }
    };
    await send(500);
    const before = process.cpuUsage();
    await send(events);
    const used = process.cpuUsage(before);
    return (used.user + used.system) / events;
  } finally {
    sink.close();
    await producers.close();
    connection.disconnect();
    await deleteRedisPrefix(prefix);
  }
}

const bench: Benchmark = {
  title: "Proxy hot path: the proxy's own work per request, in µs",
  async run() {
    const list = await subjects();
    const batches = new Map<Subject, number>();
    for (const subject of list) batches.set(subject, await calibrate(subject));
    const samples = new Map<Subject, number[]>(list.map((s) => [s, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const subject of list) samples.get(subject)?.push(await time(subject, batches.get(subject) ?? 1000));
    }
    const rows = list.map((s) => ({ name: s.name, us: quantile(samples.get(s) ?? [], 0.5), variant: s.variant === true }));
    const delivery = [
      { label: 'one job per event, `addBulk` of 100 jobs (before batching)', us: await usageDelivery('job-per-event', 100, 5000) },
      { label: "the proxy's sink, jobs of 50 events", us: await usageDelivery('sink', 50, 5000) },
      { label: "the proxy's sink, jobs of 200 events (its default)", us: await usageDelivery('sink', 200, 5000) },
    ];
    const total = rows.reduce((sum, r) => (r.variant ? sum : sum + r.us), 0);
    return [
      '| step | µs per request (median) |',
      '|---|---|',
      ...rows.map((r) => `| ${r.name} | ${r.us.toFixed(2)} |`),
      `| **sum of the steps of a repeat caller's request** | **${total.toFixed(2)}** |`,
      ...delivery.map((d) => `| usage event delivery to real Redis, client CPU per event: ${d.label} | ${d.us.toFixed(1)} |`),
      '',
      "Not in the table: Fastify's routing and JSON body parsing, undici's request and response handling and the socket writes, which the minimal pass-through does too; and the Redis server's own work per usage job (see `proxy.bench.ts`).",
    ].join('\n');
  },
};

export default bench;
