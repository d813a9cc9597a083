/**
 * The proxy's per-request routing work (cache hit, decision, credential, receipt) in ns/op, against
 * a plain Map lookup measured in the same rounds, so the ratio holds on a busy shared machine.
 */
import { createKeyring, generateKey } from '@byok/crypto';
import {
  createModelResolver,
  createRouteCache,
  createSystemKeySet,
  decideRoute,
  formatReceipt,
  resolveRoute,
  type RouteCache,
  type StoredUserKey,
  type UserKeyCandidate,
  type UserRoutes,
} from '@byok/routing';
import type { Benchmark } from './run.js';

const POPULATIONS = [100, 10_000];
const MODELS = ['gpt-4o-mini', 'claude-3-5-sonnet', 'anthropic/claude-3-5-haiku', 'gemini-2.5-flash', 'groq/llama-3.1-8b-instant', 'meta-llama/llama-3.3-70b-instruct'];
const ROUNDS = 7;
const TARGET_ROUND_MS = 100;

interface Subject {
  name: string;
  /** One op for request number `i`; returns something so the work cannot be optimised away. */
  op(i: number): unknown;
  async?: boolean;
}

let sink: unknown;

function timeSync(op: Subject['op'], batch: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < batch; i++) sink = op(i);
  return Number(process.hrtime.bigint() - start) / batch;
}

async function timeAsync(op: Subject['op'], batch: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < batch; i++) sink = await op(i);
  return Number(process.hrtime.bigint() - start) / batch;
}

async function calibrate(subject: Subject): Promise<number> {
  const time = subject.async ? timeAsync : timeSync;
  await time(subject.op, 20_000);
  let batch = 10_000;
  for (;;) {
    const nsPerOp = await time(subject.op, batch);
    if (nsPerOp * batch >= 20e6 || batch >= 1e8) return Math.max(1000, Math.round((TARGET_ROUND_MS * 1e6) / nsPerOp));
    batch *= 4;
  }
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Users with a mix of key sets, as the cache holds them after one load each. */
function storedKeys(userId: string, n: number, keyring: ReturnType<typeof createKeyring>): StoredUserKey[] {
  const key = (provider: string, extra: Partial<StoredUserKey> = {}): StoredUserKey => ({
    id: `${userId}-${provider}`,
    provider,
    apiKeyEncrypted: keyring.encrypt(`sk-fake-${provider}-${n}`),
    enabled: true,
    testStatus: 'valid',
    ...extra,
  });
  switch (n % 4) {
    case 0:
      return [key('openrouter')];
    case 1:
      return [key('openai'), key('anthropic', { enabled: false })];
    case 2:
      return [key('openrouter', { testStatus: 'invalid' }), key('anthropic'), key('google')];
    default:
      return [];
  }
}

async function setup(users: number) {
  const keyring = createKeyring([generateKey()]);
  const userIds = Array.from({ length: users }, (_, n) => `user-${n}`);
  const tables = new Map(userIds.map((id, n) => [id, storedKeys(id, n, keyring)]));
  const cache: RouteCache = createRouteCache({
    loadUserKeys: async (userId) => tables.get(userId) ?? [],
    keyring,
    subscribe: async () => async () => {},
    maxUsers: users * 2,
  });
  await cache.start();
  const entries: UserRoutes[] = [];
  for (const id of userIds) entries.push(await cache.get(id));
  const plainMap = new Map(userIds.map((id, n) => [id, entries[n]]));
  const systemKeys = createSystemKeySet({ openai: { systemApiKey: 'sys-oa' }, openrouter: { systemApiKey: 'sys-or' } });
  const models = createModelResolver();
  // The same keys as a flat list, to show what indexing them once per user saves.
  const flat: UserKeyCandidate[][] = entries.map((e) => [...e.keys.byProvider.values()].flatMap((list) => list.map((k) => k.key)));
  const user = (i: number) => userIds[i % users] ?? '';
  const entry = (i: number) => entries[i % users] as UserRoutes;
  const model = (i: number) => MODELS[i % MODELS.length] ?? '';
  const balance = (i: number) => (i % 5 === 0 ? 0 : 1_000_000);

  const subjects: Subject[] = [
    { name: 'baseline: `Map.get(userId)`', op: (i) => plainMap.get(user(i)) },
    { name: 'model info (memoised detection)', op: (i) => models.info(model(i)) },
    {
      name: '`decideRoute` (indexed keys, memoised models)',
      op: (i) => decideRoute({ model: model(i), userKeys: entry(i).keys, systemKeys: systemKeys.available, creditBalanceMicro: balance(i) }, models),
    },
    {
      name: '`decideRoute` (flat key list, no memo)',
      op: (i) => decideRoute({ model: model(i), userKeys: flat[i % users] ?? [], systemKeys: systemKeys.available, creditBalanceMicro: balance(i) }),
    },
    { name: '`cache.get` hit (not awaited)', op: (i) => cache.get(user(i)) },
    { name: '`resolveRoute` (decision + credential)', op: (i) => resolveRoute(entry(i), systemKeys, model(i), balance(i), models) },
    {
      name: '`decideRoute` + `formatReceipt`',
      op: (i) => formatReceipt(decideRoute({ model: model(i), userKeys: entry(i).keys, systemKeys: systemKeys.available, creditBalanceMicro: balance(i) }, models)),
    },
    { name: 'baseline: `await Map.get(userId)`', op: async (i) => plainMap.get(user(i)), async: true },
    {
      name: 'per request: `await cache.get` + `resolveRoute` + `formatReceipt`',
      op: async (i) => formatReceipt(resolveRoute(await cache.get(user(i)), systemKeys, model(i), balance(i), models).decision),
      async: true,
    },
  ];
  return { subjects, cache };
}

/** Median ns/op of every subject for one population of cached users. */
async function measure(users: number): Promise<Array<{ name: string; ns: number; async: boolean }>> {
  const { subjects, cache } = await setup(users);
  const batches = new Map<Subject, number>();
  for (const subject of subjects) batches.set(subject, await calibrate(subject));
  const samples = new Map<Subject, number[]>(subjects.map((s) => [s, []]));
  // Every round times every subject, so load from other processes hits them all alike.
  for (let round = 0; round < ROUNDS; round++) {
    for (const subject of subjects) {
      const batch = batches.get(subject) ?? 1000;
      const ns = subject.async ? await timeAsync(subject.op, batch) : timeSync(subject.op, batch);
      samples.get(subject)?.push(ns);
    }
  }
  await cache.close();
  return subjects.map((s) => ({ name: s.name, ns: median(samples.get(s) ?? []), async: s.async === true }));
}

const benchmark: Benchmark = {
  title: `Routing per request: decision and cache hit vs a plain Map lookup (${POPULATIONS.map((n) => n.toLocaleString('en-US')).join(' and ')} cached users, ${MODELS.length} models)`,
  async run() {
    const results = [];
    for (const users of POPULATIONS) results.push(await measure(users));
    if (sink === Symbol.for('never')) console.log(sink);
    const header = POPULATIONS.map((n) => `${n.toLocaleString('en-US')} users: ns/op | ×`).join(' | ');
    const lines = [`| op | ${header} |`, `| --- |${' ---: | ---: |'.repeat(POPULATIONS.length)}`];
    const first = results[0] ?? [];
    for (const [row, subject] of first.entries()) {
      const cells = results.map((rows) => {
        const own = rows[row];
        // Sync ops are compared with the first row, awaited ones with the first awaited row.
        const base = rows.find((r) => r.async === own?.async);
        const ratio = own === undefined || base === undefined ? Number.NaN : own.ns / base.ns;
        return `${own?.ns.toFixed(0) ?? '?'} | ${ratio.toFixed(1)}×`;
      });
      lines.push(`| ${subject.name} | ${cells.join(' | ')} |`);
    }
    lines.push(
      '',
      `Median of ${ROUNDS} rounds of ~${TARGET_ROUND_MS} ms per op, after warm-up; users and models rotate per op, so with ` +
        'many users most of the cost is memory latency (entries no longer fit in the CPU caches). Sync ops are compared with ' +
        '`Map.get` over the same users, awaited ops with `await Map.get`.',
    );
    return lines.join('\n');
  },
};

export default benchmark;
