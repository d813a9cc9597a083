import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Budget, BudgetMetric } from '../budget.js';
import type { PeriodWindow } from '../period-window.js';
import { type BudgetAmounts, type BudgetCharge, type BudgetInPeriod, chargesByOwner } from './budget-amounts.js';
import { type CounterRef, flushCounters, holdOnCounters, packAmounts, releaseOnCounters, seedCounter } from './budget-store.js';
import { budgetCounterKeys, untilPeriodExpiry } from './counter-names.js';
import { DEFAULT_LEASE_POLICY, LocalBudget, type LeasePolicy } from './local-budget.js';

/** What the record (`usage_events`) says a budget used in a period (`sumBudgetUse` in `@byok/db`). */
export type BudgetRecordReader = (budget: Budget, window: PeriodWindow) => Promise<BudgetAmounts>;

export interface BudgetCountersDeps {
  redis: Redis;
  /** The deployment's key prefix (`REDIS_PREFIX`). */
  prefix: string;
  /** A per-request hold nobody settles or releases (its instance crashed) lapses after this. */
  reservationTtlMs: number;
  /** Seeds a period's counters when they lack their seed (new period, or Redis lost them). */
  readRecord: BudgetRecordReader;
  /** The clock the periods are computed with (tests move it). */
  now?: () => number;
  /** Leasing and batching; tests shorten them. */
  leasePolicy?: Partial<LeasePolicy>;
  /** A flush (settles, leases) that failed; its settles are sent again with the next one. */
  onFlushError?: (err: unknown) => void;
}

/** One budget's counter as a request saw it right after its hold. */
export interface HeldCharge extends BudgetCharge {
  /** Per limited metric: what is left after this request's hold (absent for a `notify` budget). From the instance's lease knowledge when `leased`. */
  remaining: Partial<BudgetAmounts>;
  /** Served from this instance's lease (no Redis round trip), or held in Redis on its own. */
  leased: boolean;
}

export type BudgetReservation =
  | { ok: true; held: HeldCharge[] }
  | { ok: false; budget: Budget; window: PeriodWindow; metric: BudgetMetric; limit: number; reservedTotal: number };

export interface ReserveBudgetsInput {
  requestId: string;
  charges: readonly BudgetCharge[];
  /**
   * May hold less than the estimate of tokens and spend when less remains (a stream, which is cut
   * where its hold runs out); otherwise the whole estimate or nothing.
   */
  partial: boolean;
}

export interface BudgetCounters {
  /**
   * Holds every charge, or none. A budget this instance leases a slice of serves the hold locally;
   * the others are held in Redis, per owner one atomic script against the limits (a request
   * touches at most two owners: when one refuses, the other lets go). Counters without their seed
   * are seeded from the record first, and the hold made again. Answers at once, without a
   * promise, when every charge was served from a lease (the busy budgets' common case).
   */
  reserve(input: ReserveBudgetsInput): BudgetReservation | Promise<BudgetReservation>;
  /** Replaces the holds by what the request used: queued, and sent with its owner's next flush. */
  settle(requestId: string, held: readonly HeldCharge[], used: BudgetAmounts): void;
  /** Ends the holds of a request that reached no provider. */
  release(requestId: string, held: readonly HeldCharge[]): Promise<void>;
  /** Sends every owner's waiting settles and lease changes now. */
  flush(): Promise<void>;
  /** Stops the flush timer, sends what waits and gives the leases back. */
  close(): Promise<void>;
}

/** Rounds of seeding and shrinking a partial hold before a reservation gives up. */
const MAX_ROUNDS = 6;

export function createBudgetCounters(deps: BudgetCountersDeps): BudgetCounters {
  const { redis, prefix } = deps;
  const now = deps.now ?? Date.now;
  const policy: LeasePolicy = { ...DEFAULT_LEASE_POLICY, ...deps.leasePolicy };
  const leaseField = `l:${randomUUID()}`;
  /** Per owner, its budgets in their periods as this instance sees them (by `<budget id>|<period id>`). */
  const owners = new Map<string, Map<string, LocalBudget>>();
  /**
   * Per budget id, its entry of the latest period asked for: every request looks its budgets up
   * twice (hold, settle), and this finds them without building the composite key. An entry of an
   * earlier period stays in `owners` until it has flushed and gone idle.
   */
  const latest = new Map<string, LocalBudget>();

  function localOf(charge: BudgetCharge | BudgetInPeriod, enforce: boolean, mono?: number): LocalBudget {
    let local = latest.get(charge.budget.id);
    if (local === undefined || local.window.id !== charge.window.id) local = periodEntry(charge, enforce, mono ?? performance.now());
    local.budget = charge.budget;
    local.enforce = enforce;
    return local;
  }

  function periodEntry(charge: BudgetCharge | BudgetInPeriod, enforce: boolean, mono: number): LocalBudget {
    let budgets = owners.get(charge.budget.ownerId);
    if (budgets === undefined) {
      budgets = new Map();
      owners.set(charge.budget.ownerId, budgets);
    }
    const key = `${charge.budget.id}|${charge.window.id}`;
    let local = budgets.get(key);
    if (local === undefined) {
      local = new LocalBudget(charge.budget, charge.window, enforce, policy, mono);
      budgets.set(key, local);
    }
    const newest = latest.get(charge.budget.id);
    if (newest === undefined || newest.window.startMs <= local.window.startMs) latest.set(charge.budget.id, local);
    return local;
  }

  const refOf = (charge: BudgetInPeriod): CounterRef => ({ keys: budgetCounterKeys(prefix, charge.budget, charge.window), periodTtlMs: untilPeriodExpiry(charge.window, now()) });

  async function seed(charge: BudgetInPeriod): Promise<void> {
    await seedCounter(redis, refOf(charge), await deps.readRecord(charge.budget, charge.window));
  }

  async function holdOwner(charges: BudgetCharge[], input: ReserveBudgetsInput): Promise<BudgetReservation> {
    let current = charges;
    let refused: Extract<BudgetReservation, { ok: false }> | undefined;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const counters = current.map((c) => ({ ...refOf(c), amounts: c.amounts, limits: c.enforce ? c.budget.limits : {} }));
      // One round trip: the seed check, the hold and the totals it left, in one script.
      const reply = await holdOnCounters(redis, input.requestId, deps.reservationTtlMs, counters);
      if (reply.kind === 'held') {
        return { ok: true, held: current.map((c, i) => heldOf(c, reply.totals[i] as BudgetAmounts)) };
      }
      const charge = current[reply.index] as BudgetCharge;
      if (reply.kind === 'unseeded') {
        // A new period, or counters Redis lost: seed with what the record says (set-if-absent), then hold again.
        await seed(charge);
        continue;
      }
      refused = { ok: false, budget: charge.budget, window: charge.window, metric: reply.metric, limit: charge.budget.limits[reply.metric] ?? 0, reservedTotal: reply.total };
      const shrunk = input.partial ? shrink(current, refused) : undefined;
      if (shrunk === undefined) return refused;
      current = shrunk;
    }
    // Other requests kept taking what was left while this one shrank its hold: it is refused.
    if (refused !== undefined) return refused;
    throw new Error(`budget hold of ${charges[0]?.budget.ownerId} did not settle in ${MAX_ROUNDS} rounds`);
  }

  function heldOf(charge: BudgetCharge, totals: BudgetAmounts): HeldCharge {
    localOf(charge, charge.enforce).observeTotals(totals);
    const remaining: Partial<BudgetAmounts> = {};
    if (charge.enforce) {
      for (const [metric, limit] of Object.entries(charge.budget.limits) as Array<[BudgetMetric, number | undefined]>) {
        if (limit !== undefined) remaining[metric] = Math.max(0, limit - totals[metric]);
      }
    }
    return { ...charge, remaining, leased: false };
  }

  async function releaseHeld(requestId: string, held: readonly HeldCharge[]): Promise<void> {
    const inRedis: HeldCharge[] = [];
    for (const charge of held) {
      if (charge.leased) localOf(charge, charge.enforce).ungrant(charge.amounts);
      else inRedis.push(charge);
    }
    await Promise.all([...chargesByOwner(inRedis).values()].map((list) => releaseOnCounters(redis, requestId, list.map((c) => budgetCounterKeys(prefix, c.budget, c.window)))));
  }

  /** One flush at a time per owner; a flush asked for while one runs goes after it. */
  const flushes = new Map<string, Promise<void>>();

  function flushOwner(ownerId: string, returning: boolean): Promise<void> {
    const previous = flushes.get(ownerId);
    const next = (previous ?? Promise.resolve()).catch(() => undefined).then(() => sendOwner(ownerId, returning));
    flushes.set(ownerId, next);
    const forget = () => {
      if (flushes.get(ownerId) === next) flushes.delete(ownerId);
    };
    next.then(forget, forget);
    return next;
  }

  /** Sends the owner's settles and lease changes; a backlog longer than one script takes goes in the scripts right after. */
  async function sendOwner(ownerId: string, returning: boolean): Promise<void> {
    const budgets = owners.get(ownerId);
    if (budgets === undefined) return;
    try {
      for (const local of budgets.values()) {
        if (!local.needsSeed) continue;
        await seed(local);
        local.needsSeed = false;
      }
      do {
        const sentAt = performance.now();
        const sending = [...budgets.values()].filter((b) => b.hasWork(sentAt));
        if (sending.length === 0) return;
        const parts = sending.map((b) => b.startFlush(refOf(b), sentAt, returning));
        try {
          const replies = await flushCounters(redis, leaseField, policy.leaseTtlMs, parts.map((p) => p.entry));
          for (const [i, local] of sending.entries()) local.finishFlush(parts[i] as (typeof parts)[number], replies[i] ?? { seeded: false });
        } catch (err) {
          for (const [i, local] of sending.entries()) local.failFlush(parts[i] as (typeof parts)[number]);
          throw err;
        }
      } while ([...budgets.values()].some((b) => b.hasBacklog() && !b.needsSeed));
    } finally {
      const mono = performance.now();
      for (const [key, local] of budgets) {
        if (!local.isIdle(mono)) continue;
        budgets.delete(key);
        if (latest.get(local.budget.id) === local) latest.delete(local.budget.id);
      }
      if (budgets.size === 0 && owners.get(ownerId) === budgets) owners.delete(ownerId);
    }
  }

  /** Every owner (or `only` one) with something to send; the timer skips an owner whose last flush is still running. */
  async function flushAll(options: { returning: boolean; skipRunning: boolean; only?: string }): Promise<void> {
    const ids = (options.only === undefined ? [...owners.keys()] : [options.only]).filter((id) => !(options.skipRunning && flushes.has(id)));
    const results = await Promise.allSettled(ids.map((id) => flushOwner(id, options.returning)));
    for (const r of results) if (r.status === 'rejected') deps.onFlushError?.(r.reason);
  }

  const timer = setInterval(() => void flushAll({ returning: false, skipRunning: true }), policy.flushIntervalMs);
  timer.unref();

  /** The charges not served from a lease, held in Redis per owner; what was leased lets go when one refuses. */
  async function reserveInRedis(input: ReserveBudgetsInput, leased: HeldCharge[], inRedis: BudgetCharge[]): Promise<BudgetReservation> {
    const groups = [...chargesByOwner(inRedis).values()];
    const results = await Promise.allSettled(groups.map((charges) => holdOwner(charges, input)));
    const refused = results.find((r): r is PromiseFulfilledResult<Extract<BudgetReservation, { ok: false }>> => r.status === 'fulfilled' && !r.value.ok);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    const held = [...leased, ...results.flatMap((r) => (r.status === 'fulfilled' && r.value.ok ? r.value.held : []))];
    if (refused === undefined && failed === undefined) return { ok: true, held: inChargeOrder(input.charges, held) };
    // What was held lets go: the request does not run.
    await releaseHeld(input.requestId, held).catch(() => undefined);
    if (failed !== undefined) throw failed.reason;
    return (refused as PromiseFulfilledResult<BudgetReservation>).value;
  }

  return {
    reserve(input) {
      const mono = performance.now();
      const leased: HeldCharge[] = [];
      const inRedis: BudgetCharge[] = [];
      for (const charge of input.charges) {
        const local = localOf(charge, charge.enforce, mono);
        local.noteRequest(charge.amounts, mono);
        if (local.grant(charge.amounts, mono)) leased.push({ budget: charge.budget, window: charge.window, amounts: charge.amounts, enforce: charge.enforce, remaining: local.remaining(), leased: true });
        else {
          inRedis.push(charge);
          // A busy budget without (enough of) a lease gets one now rather than at the next tick.
          if (!flushes.has(charge.budget.ownerId) && local.wantsLease(mono)) void flushAll({ returning: false, skipRunning: true, only: charge.budget.ownerId });
        }
      }
      // Every budget served from this instance's leases: no round trip.
      if (inRedis.length === 0) return { ok: true, held: leased };
      return reserveInRedis(input, leased, inRedis);
    },
    settle(requestId, held, used) {
      const packed = packAmounts(used);
      for (const charge of held) localOf(charge, charge.enforce).settle(requestId, used, packed, charge.leased ? charge.amounts : undefined);
    },
    release: releaseHeld,
    flush: () => flushAll({ returning: false, skipRunning: false }),
    async close() {
      clearInterval(timer);
      await flushAll({ returning: true, skipRunning: false });
    },
  };
}

/** The held charges in the order the request listed its charges (leased ones were taken first). */
function inChargeOrder(charges: readonly BudgetCharge[], held: readonly HeldCharge[]): HeldCharge[] {
  return charges.map((charge) => held.find((h) => h.budget.id === charge.budget.id) as HeldCharge);
}

/**
 * A partial hold: the refused metric's amount cut to what is left of its limit. Requests are never
 * cut (one is one), and nothing is held when nothing is left.
 */
function shrink(charges: readonly BudgetCharge[], refusal: Extract<BudgetReservation, { ok: false }>): BudgetCharge[] | undefined {
  const left = refusal.limit - refusal.reservedTotal;
  if (refusal.metric === 'requests' || left <= 0) return undefined;
  return charges.map((c) => (c.budget.id === refusal.budget.id ? { ...c, amounts: { ...c.amounts, [refusal.metric]: Math.min(c.amounts[refusal.metric], left) } } : c));
}
