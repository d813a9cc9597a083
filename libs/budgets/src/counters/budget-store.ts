import { luaScript, runScript } from '@byok/reservations';
import type { Redis } from 'ioredis';
import { BUDGET_METRICS, type BudgetMetric } from '../budget.js';
import type { BudgetAmounts } from './budget-amounts.js';
import { FLUSH_SCRIPT, HOLD_SCRIPT, RECONCILE_SCRIPT, RELEASE_SCRIPT, SEED_SCRIPT } from './budget-scripts.js';
import type { BudgetCounterKeys } from './counter-names.js';

const HOLD = luaScript(HOLD_SCRIPT);
const FLUSH = luaScript(FLUSH_SCRIPT);
const RELEASE = luaScript(RELEASE_SCRIPT);
const SEED = luaScript(SEED_SCRIPT);
const RECONCILE = luaScript(RECONCILE_SCRIPT);

/** A budget's limits as the scripts take them: undefined = no limit (a `notify` budget has none). */
export type CounterLimits = Partial<BudgetAmounts>;

/** One budget's counter in a script call. */
export interface CounterRef {
  keys: BudgetCounterKeys;
  /** How long the counter lives (to the period's end plus grace), for the expiries key it may create. */
  periodTtlMs: number;
}

export type HoldReply =
  | { kind: 'held'; totals: BudgetAmounts[] }
  /** Budget `index` is not seeded: nothing was taken. */
  | { kind: 'unseeded'; index: number }
  /** Budget `index` would pass its limit on `metric` (its live total is `total`): nothing was taken. */
  | { kind: 'refused'; index: number; metric: BudgetMetric; total: number };

/** Holds `amounts` on every counter at once (one owner's budgets), or on none. */
export async function holdOnCounters(
  redis: Redis,
  requestId: string,
  holdTtlMs: number,
  counters: ReadonlyArray<CounterRef & { amounts: BudgetAmounts; limits: CounterLimits }>,
): Promise<HoldReply> {
  const args = [requestId, String(Math.max(1, Math.floor(holdTtlMs)))];
  for (const c of counters) args.push(String(Math.floor(c.periodTtlMs)), packAmounts(c.amounts), packLimits(c.limits));
  const reply = (await runScript(redis, HOLD, keysOf(counters), args)) as Array<number | string>;
  if (reply[0] === 2) return { kind: 'unseeded', index: Number(reply[1]) - 1 };
  if (reply[0] === 0) return { kind: 'refused', index: Number(reply[1]) - 1, metric: BUDGET_METRICS[Number(reply[2]) - 1] as BudgetMetric, total: Number(reply[3]) };
  const totals: BudgetAmounts[] = [];
  for (let i = 1; i < reply.length; i += 3) totals.push(unpackAmounts(reply.slice(i, i + 3)));
  return { kind: 'held', totals };
}

/** A request's settled use on one budget, as a flush sends it. */
export interface SettledRequest {
  requestId: string;
  amounts: BudgetAmounts;
  /** `amounts` as the script takes them (`packAmounts`), made once per request for all its budgets. */
  packed: string;
  /** The request was held on its own (its hold ends); otherwise it was served from a lease. */
  heldInRedis: boolean;
}

/** One budget's part in a flush: the requests settled on it, and its lease's new bounds. */
export interface FlushEntry extends CounterRef {
  limits: CounterLimits;
  /** Absent: the lease is left as it is. */
  lease?: { floor: BudgetAmounts; wanted: BudgetAmounts } | undefined;
  settled: readonly SettledRequest[];
}

export type FlushReply = { seeded: false } | { seeded: true; lease: BudgetAmounts; others: BudgetAmounts };

/** One owner's settled requests and lease changes in one script; a reply per entry. */
export async function flushCounters(redis: Redis, leaseField: string, leaseTtlMs: number, entries: readonly FlushEntry[]): Promise<FlushReply[]> {
  const args = [leaseField, String(Math.max(1, Math.floor(leaseTtlMs)))];
  for (const e of entries) {
    const sum = { requests: 0, tokens: 0, spend_micro_usd: 0 };
    let flags = '';
    for (const s of e.settled) {
      sum.requests += s.amounts.requests;
      sum.tokens += s.amounts.tokens;
      sum.spend_micro_usd += s.amounts.spend_micro_usd;
      flags += s.heldInRedis ? '1' : '0';
    }
    args.push(String(Math.floor(e.periodTtlMs)), packLimits(e.limits), e.lease === undefined ? '' : packAmounts(e.lease.floor), e.lease === undefined ? '' : packAmounts(e.lease.wanted), String(e.settled.length), packAmounts(sum), flags);
    for (const s of e.settled) args.push(s.requestId);
    for (const s of e.settled) args.push(s.packed);
  }
  const reply = (await runScript(redis, FLUSH, keysOf(entries), args)) as Array<number | string>;
  return entries.map((_, i) => {
    const at = i * 7;
    if (Number(reply[at]) !== 1) return { seeded: false };
    return { seeded: true, lease: unpackAmounts(reply.slice(at + 1, at + 4)), others: unpackAmounts(reply.slice(at + 4, at + 7)) };
  });
}

/** Ends a request's holds on these counters now. */
export async function releaseOnCounters(redis: Redis, requestId: string, counters: readonly BudgetCounterKeys[]): Promise<void> {
  await runScript(
    redis,
    RELEASE,
    counters.flatMap((k) => [k.counter, k.expiries]),
    [requestId],
  );
}

/** Seeds a counter with the record's use, set-if-absent, and sets its expiry. */
export async function seedCounter(redis: Redis, ref: CounterRef, use: BudgetAmounts): Promise<void> {
  await runScript(redis, SEED, [ref.keys.counter], [String(Math.floor(ref.periodTtlMs)), packAmounts(use)]);
}

/** Replaces the seed by `use` (undefined: leaves it) and drops the requests `recorded`; false when the counter is not seeded. */
export async function reconcileCounter(redis: Redis, keys: BudgetCounterKeys, use: BudgetAmounts | undefined, recorded: readonly string[]): Promise<boolean> {
  const reply = await runScript(redis, RECONCILE, [keys.counter, keys.expiries], [use === undefined ? '' : packAmounts(use), ...recorded]);
  return Number(reply) === 1;
}

/** A counter's live totals (seed + settled + holds + leases) and whether it is seeded. */
export async function readCounter(redis: Redis, keys: BudgetCounterKeys): Promise<{ seeded: boolean; totals: BudgetAmounts }> {
  const [seed, ...totals] = await redis.hmget(keys.counter, 'seed', 't1', 't2', 't3');
  return { seeded: seed !== null, totals: unpackAmounts(totals.map((t) => t ?? '0')) };
}

/**
 * The ids of the requests a counter holds on their own (holds and settled requests, not leases),
 * read with HSCAN so a large counter never blocks Redis.
 */
export async function trackedRequestIds(redis: Redis, keys: BudgetCounterKeys): Promise<string[]> {
  const ids = new Set<string>();
  let cursor = '0';
  do {
    const [next, flat] = await redis.hscan(keys.counter, cursor, 'COUNT', 1000);
    for (let i = 0; i < flat.length; i += 2) {
      const field = flat[i] as string;
      if (field.startsWith('h:') || field.startsWith('s:')) ids.add(field.slice(2));
    }
    cursor = next;
  } while (cursor !== '0');
  return [...ids];
}

function keysOf(counters: readonly CounterRef[]): string[] {
  if (counters.length === 0) throw new RangeError('a budget script needs at least one counter');
  return counters.flatMap((c) => [c.keys.counter, c.keys.expiries]);
}

/** Amounts as the scripts take them: `requests,tokens,spend`, each a non-negative safe integer. */
export function packAmounts(amounts: BudgetAmounts): string {
  const { requests, tokens, spend_micro_usd: spend } = amounts;
  if (!isCountable(requests) || !isCountable(tokens) || !isCountable(spend)) {
    throw new RangeError(`a budget amount must be a non-negative safe integer (${BUDGET_METRICS.map((m) => `${m}: ${amounts[m]}`).join(', ')})`);
  }
  return `${requests},${tokens},${spend}`;
}

const isCountable = (v: number) => Number.isSafeInteger(v) && v >= 0;

function packLimits(limits: CounterLimits): string {
  return BUDGET_METRICS.map((m) => (limits[m] === undefined ? '-' : String(Math.floor(limits[m])))).join(',');
}

function unpackAmounts(values: ReadonlyArray<number | string | undefined>): BudgetAmounts {
  return { requests: Number(values[0] ?? 0), tokens: Number(values[1] ?? 0), spend_micro_usd: Number(values[2] ?? 0) };
}
