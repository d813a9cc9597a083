import type { Redis } from 'ioredis';
import { RELEASE_SCRIPT, RESERVE_SCRIPT, SETTLE_SCRIPT } from './reservation-scripts.js';
import { luaScript, runScript } from './run-script.js';

const RESERVE = luaScript(RESERVE_SCRIPT);
const SETTLE = luaScript(SETTLE_SCRIPT);
const RELEASE = luaScript(RELEASE_SCRIPT);

/**
 * Where a scope's counters live. Every key of a scope carries `{scope}` as its Redis Cluster hash
 * tag, so one script may touch all the counters of a scope atomically.
 */
export interface ReservationScope {
  /** The deployment's key prefix (`REDIS_PREFIX`). */
  prefix: string;
  /** Whose counters: a user id, an organisation id… */
  scope: string;
}

/** One counter's part in a reservation. */
export interface CounterAmount {
  /** The counter's name within the scope, e.g. `credits`, `requests:2026-12-06`. */
  counter: string;
  /** A non-negative integer (micro-credits, tokens, requests). */
  amount: number;
  /** Refuse when the counter's live total plus `amount` would exceed this; absent = no limit. */
  limit?: number;
}

export type ReserveResult =
  /** `totals`: each counter's live total after the reservation, in the order of `counters`. */
  | { ok: true; totals: number[] }
  | { ok: false; counter: string; reservedTotal: number };

export interface ReserveInput extends ReservationScope {
  /** Unique per reservation (a request id); reserving the same id twice holds it once. */
  id: string;
  /** When nobody settles or releases it (a crashed instance), the reservation lapses after this. */
  ttlMs: number;
  counters: readonly CounterAmount[];
}

/**
 * Takes `amount` on every counter at once, or on none: if any counter's live total plus its
 * amount would pass its limit, nothing is taken and the first such counter is named. One round
 * trip, which also reports the totals the reservation left.
 */
export async function reserve(redis: Redis, input: ReserveInput): Promise<ReserveResult> {
  const args = [input.id, String(ttlOf(input.ttlMs))];
  for (const c of input.counters) args.push(amountOf(c.amount), c.limit === undefined ? '' : String(Math.floor(c.limit)));
  const reply = (await runScript(redis, RESERVE, counterKeys(input, input.counters), args)) as Array<number | string>;
  if (reply[0] === 1) return { ok: true, totals: reply.slice(1).map(Number) };
  const counter = input.counters[Number(reply[1] ?? 1) - 1]?.counter ?? '';
  return { ok: false, counter, reservedTotal: Number(reply[2] ?? 0) };
}

export interface SettleInput extends ReservationScope {
  id: string;
  /** How long the settled amount keeps counting (until the spend is recorded elsewhere, or a window ends). */
  ttlMs: number;
  /** The final amount per counter; limits are not checked (what was spent, was spent). */
  counters: readonly Omit<CounterAmount, 'limit'>[];
}

/** Replaces a reservation's amounts by the final ones (adds them if it lapsed meanwhile). */
export async function settle(redis: Redis, input: SettleInput): Promise<void> {
  const args = [input.id, String(ttlOf(input.ttlMs)), ...input.counters.map((c) => amountOf(c.amount))];
  await runScript(redis, SETTLE, counterKeys(input, input.counters), args);
}

export interface ReleaseInput extends ReservationScope {
  id: string;
  counters: readonly string[];
  /** 0 (default): the reservation ends now; otherwise it lapses within this many ms. */
  afterMs?: number;
}

/** Ends a reservation now, or lets it lapse soon (never later than it would have). */
export async function release(redis: Redis, input: ReleaseInput): Promise<void> {
  const keys = counterKeys(input, input.counters.map((counter) => ({ counter })));
  await runScript(redis, RELEASE, keys, [input.id, String(Math.max(0, Math.floor(input.afterMs ?? 0)))]);
}

/** The live total of one counter (lapsed reservations still in it are dropped at the next call). */
export async function reservedTotal(redis: Redis, scope: ReservationScope, counter: string): Promise<number> {
  const [amountsKey] = keysOf(scope, counter);
  return Number((await redis.hget(amountsKey, 'total')) ?? 0);
}

function keysOf(scope: ReservationScope, counter: string): [string, string] {
  const base = `${scope.prefix}:rsv:{${scope.scope}}:${counter}`;
  return [`${base}:amt`, `${base}:exp`];
}

function counterKeys(scope: ReservationScope, counters: readonly { counter: string }[]): string[] {
  if (counters.length === 0) throw new RangeError('a reservation needs at least one counter');
  return counters.flatMap((c) => keysOf(scope, c.counter));
}

function amountOf(amount: number): string {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new RangeError('a reserved amount must be a non-negative safe integer');
  return String(amount);
}

function ttlOf(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs < 1) throw new RangeError('a reservation ttl must be at least 1 ms');
  return Math.floor(ttlMs);
}
