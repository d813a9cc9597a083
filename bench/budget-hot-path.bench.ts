/**
 * What budgets cost the proxy per request, without the proxy around it: the guard's hold, the
 * `x-byok-budget-remaining` header and the settle, for a user budget and a key budget applying
 * (as in `budgets.bench.ts`), on the real counters over the local Redis (leases, batched flushes),
 * 32 requests at a time. The baseline in the same run is the same loop with no budget (the guard
 * answers `free`); the difference is the budgets' own CPU per request in this process. Redis's
 * side is measured by `budgets.bench.ts`. `BENCH_BUDGET_HOT_ROUNDS` rounds (default 5) of 2 s each,
 * alternating.
 */
import { randomUUID } from 'node:crypto';
import type { Budget } from '@byok/budgets';
import { createBudgetCounters } from '@byok/budgets/counters';
import type { OpenAIChatRequest } from '@byok/providers';
import { createLogger } from '@byok/telemetry';
import { Redis } from 'ioredis';
import { createBudgetGuard } from '../apps/proxy/src/budgets/budget-guard.js';
import { budgetRemainingHeader } from '../apps/proxy/src/budgets/budget-remaining-header.js';
import { SHIPPED_PRICE_TABLE } from '../apps/proxy/src/pricing/price-table.js';
import { createPricer } from '../apps/proxy/src/pricing/pricer.js';
import { deleteRedisPrefix } from '../test/support/redis-cleanup.js';
import { testServiceUrls, uniqueTestName } from '../test/support/services.js';
import { quantile } from './support/proxy-load.js';
import type { Benchmark } from './run.js';

const ROUNDS = Number(process.env.BENCH_BUDGET_HOT_ROUNDS ?? 5);
const ROUND_MS = 2000;
const CONCURRENCY = 32;
const BIG = 1_000_000_000_000;

const benchmark: Benchmark = {
  title: "Budgets' own CPU per request: hold, remaining header and settle on the real counters (no proxy)",
  async run() {
    const redis = new Redis(testServiceUrls().redisUrl);
    const prefix = uniqueTestName('bench_budget_hot');
    const counters = createBudgetCounters({ redis, prefix, reservationTtlMs: 60_000, readRecord: async () => ({ requests: 0, tokens: 0, spend_micro_usd: 0 }) });
    const guard = createBudgetGuard({ counters, pricer: createPricer(SHIPPED_PRICE_TABLE), defaultMaxTokens: 4096, redisDown: 'auto', logger: createLogger({ level: 'silent', name: 'bench' }) });
    const keyId = randomUUID();
    const budgets: Budget[] = [
      { id: randomUUID(), ownerId: 'bench-user', scope: 'user', scopeId: null, period: 'month', timeZone: 'UTC', limits: { requests: BIG, tokens: BIG, spend_micro_usd: BIG }, thresholds: [80, 90], action: 'block' },
      { id: randomUUID(), ownerId: 'bench-user', scope: 'key', scopeId: keyId, period: 'day', timeZone: 'UTC', limits: { requests: BIG, spend_micro_usd: BIG }, thresholds: [80, 90], action: 'block' },
    ];
    const request: OpenAIChatRequest = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 16 };
    const candidate = { provider: 'openai' as const, upstreamModel: 'gpt-4o-mini', credentialSource: 'user_provider' as const, keyId };
    const served = { leased: 0, inRedis: 0 };

    /** One request's budget work, with a turn of the event loop where the upstream call would be. */
    const oneRequest = async (applying: readonly Budget[]): Promise<void> => {
      const check = await guard.hold({ requestId: randomUUID(), budgets: applying, caller: { userId: 'bench-user' }, candidate, request });
      if (check.kind === 'refused') throw new Error('a budget far from its limits refused');
      if (check.kind === 'held') {
        if (check.hold.held.every((h) => h.leased)) served.leased++;
        else served.inRedis++;
        budgetRemainingHeader(check.hold.held);
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (check.kind === 'held') guard.settle(check.hold, { promptTokens: 8, completionTokens: 16, costMicro: 12 });
    };
    const round = async (applying: readonly Budget[]): Promise<number> => {
      const cpu = process.cpuUsage();
      const end = performance.now() + ROUND_MS;
      let requests = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (performance.now() < end) {
            await oneRequest(applying);
            requests++;
          }
        }),
      );
      const used = process.cpuUsage(cpu);
      return (used.user + used.system) / requests;
    };

    try {
      // Warm up both paths (and let the instance take its leases).
      await round([]);
      await round(budgets);
      served.leased = 0;
      served.inRedis = 0;
      const none: number[] = [];
      const withBudgets: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        none.push(await round([]));
        withBudgets.push(await round(budgets));
      }
      const med = (values: number[]) => quantile(values, 0.5);
      const min = (values: number[]) => Math.min(...values);
      return [
        '| loop | median CPU µs/request | lowest |',
        '| --- | ---: | ---: |',
        `| no budget (baseline) | ${med(none).toFixed(2)} | ${min(none).toFixed(2)} |`,
        `| user + key budget | ${med(withBudgets).toFixed(2)} | ${min(withBudgets).toFixed(2)} |`,
        '',
        `Budgets add **${(med(withBudgets) - med(none)).toFixed(2)} µs** per request (medians; lowest rounds: ${(min(withBudgets) - min(none)).toFixed(2)} µs). ` +
          `${((100 * served.leased) / Math.max(1, served.leased + served.inRedis)).toFixed(1)} % of the budgeted requests were served from the instance's leases. ` +
          `${ROUNDS} alternating rounds of ${ROUND_MS / 1000} s, ${CONCURRENCY} requests at a time, this process's CPU (user + system).`,
      ].join('\n');
    } finally {
      await counters.close();
      await deleteRedisPrefix(prefix);
      redis.disconnect();
    }
  },
};

export default benchmark;
