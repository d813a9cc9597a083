/**
 * Issue #18's cost of budgets on the proxy's hot path: a real proxy in this process (Postgres and
 * Redis as in the tests, the mock upstream), two BYOK users with the same OpenAI key setup — one
 * with no budget, one with a user budget and a budget on its key applying to every request (limits
 * far above what the run spends, so nothing is refused). Measured in the same run:
 * (1) closed-loop throughput of each, in alternating rounds (target: with budgets ≥ 90 % of
 * without); (2) the p50 at a paced 1,000 req/s of each (target: added p50 < 0.3 ms).
 * `BENCH_BUDGETS_SECONDS` sets each round's length (default 5), `BENCH_BUDGETS_ROUNDS` the
 * rounds per user (default 3) of each kind: closed-loop rounds alternate between the users, then
 * paced rounds do, and the added p50 is the median over the pairs of paced rounds (one paced run
 * each, one after the other, let a single hiccup of the machine decide it). `BENCH_BUDGETS_AA=1`
 * leaves the second user without budgets too: an A/A run, which shows how far two identical
 * users differ on the machine at hand, the noise the targets are read against. It also reports,
 * per request of each user's closed-loop rounds, the CPU time this process spent (proxy, mock upstream and load generator: the same work
 * for both users but the budgets) and the Redis server's (`INFO cpu`) — CPU time, not wall time,
 * so they hold on a busy machine better than the throughput does. The Redis figure is exact only
 * on a Redis of its own (`REDIS_URL=redis://127.0.0.1:<port> npm run bench -- budgets`), since
 * other clients' commands count too.
 */
import type { Redis } from 'ioredis';
import { startProxyHarness } from '../test/proxy/support/proxy-harness.js';
import { type PacedLoadResult, pacedLoad } from './support/paced-load.js';
import { closedLoop, type HttpTarget, quantile } from './support/proxy-load.js';
import type { Benchmark } from './run.js';

const SECONDS = Number(process.env.BENCH_BUDGETS_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_BUDGETS_ROUNDS ?? 3);
const CONNECTIONS = 32;
const PACED_RATE = 1000;
const BIG = 1_000_000_000_000;
const AA = process.env.BENCH_BUDGETS_AA === '1';

/** Who runs first in a round: the two take turns (A B, B A, …), since the second of a pair ran measurably cheaper in A/A runs. */
function orderOf(round: number): ReadonlyArray<'plain' | 'budgeted'> {
  return round % 2 === 0 ? ['plain', 'budgeted'] : ['budgeted', 'plain'];
}

const benchmark: Benchmark = {
  title: 'Budgets (#18): proxy throughput and p50 with a user budget and a key budget applying',
  async run() {
    const h = await startProxyHarness('bench_budgets', { settings: { maxConcurrentPerUser: 0 } });
    try {
      await h.addKey('plain', 'openai');
      const { id: keyId } = await h.addKey('budgeted', 'openai');
      if (!AA) await h.api.db.sql(
        `INSERT INTO budgets (owner_id, scope, scope_id, period, limit_requests, limit_tokens, limit_spend_micro_usd, created_by)
         VALUES ('budgeted', 'user', NULL, 'month', $1, $1, $1, 'bench'), ('budgeted', 'key', $2, 'day', $1, NULL, $1, 'bench')`,
        [BIG, keyId],
      );
      const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 16 });
      const target = async (user: string): Promise<HttpTarget> => ({ origin: h.proxy.url, path: '/v1/chat/completions', headers: { authorization: `Bearer ${await h.jwt(user)}` }, body });
      const targets = { plain: await target('plain'), budgeted: await target('budgeted') };
      // Warm both paths (routes, budgets, seeded counters, pooled connections).
      await closedLoop(targets.plain, CONNECTIONS, 1);
      await closedLoop(targets.budgeted, CONNECTIONS, 1);

      const rps = { plain: [] as number[], budgeted: [] as number[] };
      const failed = { plain: 0, budgeted: 0 };
      const cpu = { plain: { redisUsec: 0, processUsec: 0, requests: 0 }, budgeted: { redisUsec: 0, processUsec: 0, requests: 0 } };
      for (let round = 0; round < ROUNDS; round++) {
        for (const user of orderOf(round)) {
          const redisBefore = await redisCpuUsec(h.api.runtime.redis);
          const processBefore = process.cpuUsage();
          const result = await closedLoop(targets[user], CONNECTIONS, SECONDS);
          const processUsed = process.cpuUsage(processBefore);
          cpu[user].processUsec += processUsed.user + processUsed.system;
          cpu[user].redisUsec += (await redisCpuUsec(h.api.runtime.redis)) - redisBefore;
          cpu[user].requests += result.total;
          rps[user].push(result.requestsPerSecond);
          failed[user] += result.failed;
        }
      }
      const perRequest = (user: 'plain' | 'budgeted', what: 'redisUsec' | 'processUsec') => cpu[user][what] / Math.max(1, cpu[user].requests);
      const cpuLine = (label: string, what: 'redisUsec' | 'processUsec') =>
        `${label} CPU per request: no budget ${perRequest('plain', what).toFixed(1)} µs, with budgets ${perRequest('budgeted', what).toFixed(1)} µs (budgets add ${(perRequest('budgeted', what) - perRequest('plain', what)).toFixed(1)} µs).`;
      const paced = async (user: 'plain' | 'budgeted') => {
        const t = targets[user];
        return pacedLoad({ origin: t.origin, rate: PACED_RATE, seconds: SECONDS, request: () => ({ method: 'POST', path: t.path, headers: { 'content-type': 'application/json', ...t.headers }, body: t.body }) });
      };
      const pacedRounds = { plain: [] as PacedLoadResult[], budgeted: [] as PacedLoadResult[] };
      for (let round = 0; round < ROUNDS; round++) {
        for (const user of orderOf(round)) pacedRounds[user].push(await paced(user));
      }
      const median = (user: 'plain' | 'budgeted', of: (r: PacedLoadResult) => number) => quantile(pacedRounds[user].map(of), 0.5);
      const pacedPlain = { p50Ms: median('plain', (r) => r.p50Ms), p99Ms: median('plain', (r) => r.p99Ms), achievedRate: median('plain', (r) => r.achievedRate) };
      const pacedBudgeted = { p50Ms: median('budgeted', (r) => r.p50Ms), p99Ms: median('budgeted', (r) => r.p99Ms), achievedRate: median('budgeted', (r) => r.achievedRate) };
      const addedP50s = pacedRounds.budgeted.map((r, round) => r.p50Ms - (pacedRounds.plain[round]?.p50Ms ?? Number.NaN));

      const share = quantile(rps.budgeted, 0.5) / quantile(rps.plain, 0.5);
      const addedP50Ms = quantile(addedP50s, 0.5);
      return [
        ...(AA ? ['**A/A run** (`BENCH_BUDGETS_AA=1`): neither user has a budget; the "with budgets" figures below are a second no-budget user.', ''] : []),
        '| user | median req/s (closed loop) | failed | paced 1,000/s p50 ms (median) | p99 ms (median) | achieved/s |',
        '| --- | ---: | ---: | ---: | ---: | ---: |',
        `| no budget | ${quantile(rps.plain, 0.5).toFixed(0)} | ${failed.plain} | ${pacedPlain.p50Ms.toFixed(3)} | ${pacedPlain.p99Ms.toFixed(3)} | ${pacedPlain.achievedRate.toFixed(0)} |`,
        `| ${AA ? 'no budget either (A/A)' : 'user + key budget'} | ${quantile(rps.budgeted, 0.5).toFixed(0)} | ${failed.budgeted} | ${pacedBudgeted.p50Ms.toFixed(3)} | ${pacedBudgeted.p99Ms.toFixed(3)} | ${pacedBudgeted.achievedRate.toFixed(0)} |`,
        '',
        `${cpuLine('This process (proxy, mock, load generator)', 'processUsec')} ${cpuLine('Redis server', 'redisUsec')} (closed-loop rounds)`,
        '',
        `Throughput with budgets: **${(share * 100).toFixed(1)} %** of without (target ≥ 90 %: ${share >= 0.9 ? 'met' : '**not met**'}). Added p50 at ${PACED_RATE}/s: **${addedP50Ms.toFixed(3)} ms**, the median of the ${ROUNDS} pairs (${addedP50s.map((ms) => ms.toFixed(3)).join(', ')}) (target < 0.3 ms: ${addedP50Ms < 0.3 ? 'met' : '**not met**'}). ${ROUNDS} closed-loop rounds of ${SECONDS} s on ${CONNECTIONS} connections, then ${ROUNDS} paced rounds of ${SECONDS} s, each user in turn, who goes first alternating.`,
      ].join('\n');
    } finally {
      await h.close();
    }
  },
};

/** The Redis server's CPU time so far (µs, user + system), from `INFO cpu`. */
async function redisCpuUsec(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const seconds = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return Math.round((seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1_000_000);
}

export default benchmark;
