import { type CounterAmount, release, reserve, type ReserveResult, settle } from '@byok/reservations';
import type { Redis } from 'ioredis';
import type { Budget, BudgetMetric } from '../budget.js';
import type { PeriodWindow } from '../period-window.js';
import { type BudgetAmounts, type BudgetCharge, type BudgetInPeriod, chargesByOwner } from './budget-amounts.js';
import { budgetCounterName, countedMetrics, SEED_RESERVATION_ID, untilPeriodExpiry } from './counter-names.js';

/** What the record (`usage_events`) says a budget used in a period (`sumBudgetUse` in `@byok/db`). */
export type BudgetRecordReader = (budget: Budget, window: PeriodWindow) => Promise<BudgetAmounts>;

export interface BudgetCountersDeps {
  redis: Redis;
  /** The deployment's key prefix (`REDIS_PREFIX`). */
  prefix: string;
  /** A reservation nobody settles or releases (its instance crashed) lapses after this. */
  reservationTtlMs: number;
  /** Seeds a period's counters when they lack their seed (new period, or Redis lost them). */
  readRecord: BudgetRecordReader;
  /** The clock the periods are computed with (tests move it). */
  now?: () => number;
}

/** One budget's counter as a request saw it right after its reservation. */
export interface HeldCharge extends BudgetCharge {
  /** Per counted metric: what is left of the limit after this request's hold (absent for metrics without a limit or a `notify` budget). */
  remaining: Partial<BudgetAmounts>;
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
   * Holds every charge, or none: per owner one atomic reservation against the limits (each owner's
   * counters share a hash tag). A request touches at most two owners (the user and the org); both
   * are reserved at once and, when one refuses, the other is released. Counters without their seed
   * are seeded from the record first, and the reservation made again.
   */
  reserve(input: ReserveBudgetsInput): Promise<BudgetReservation>;
  /** Replaces the holds by what the request used; kept until the periods' counters expire. */
  settle(requestId: string, used: readonly BudgetCharge[]): Promise<void>;
  /** Ends the holds of a request that reached no provider. */
  release(requestId: string, charges: readonly BudgetInPeriod[]): Promise<void>;
}

/** Rounds of seeding and shrinking a partial hold before a reservation gives up. */
const MAX_ROUNDS = 6;

export function createBudgetCounters(deps: BudgetCountersDeps): BudgetCounters {
  const { redis, prefix } = deps;
  const now = deps.now ?? Date.now;

  async function reserveOwner(ownerId: string, charges: BudgetCharge[], input: ReserveBudgetsInput): Promise<BudgetReservation> {
    const scope = { prefix, scope: ownerId };
    let current = charges;
    let refused: Extract<BudgetReservation, { ok: false }> | undefined;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      // One round trip: the seed check, the reservation and the totals it left, in one script.
      const held = await reserve(redis, { ...scope, id: input.requestId, ttlMs: deps.reservationTtlMs, counters: countersOf(current, true), requireHeld: SEED_RESERVATION_ID });
      if (held.ok) return { ok: true, held: withRemaining(current, held.totals) };
      if (held.markerMissing === true) {
        // A new period, or counters Redis lost: seed them with what the record says (a seeded
        // counter keeps its seed: seeding is set-if-absent), then reserve again.
        await seed(scope, current);
        continue;
      }
      refused = refusalOf(current, held);
      const shrunk = input.partial ? shrink(current, refused) : undefined;
      if (shrunk === undefined) return refused;
      current = shrunk;
    }
    // Other requests kept taking what was left while this one shrank its hold: it is refused.
    if (refused !== undefined) return refused;
    throw new Error(`budget reservation of ${ownerId} did not settle in ${MAX_ROUNDS} rounds`);
  }

  /** Seeds each period's counters with the record, set-if-absent: two instances seeding at once count it once. */
  async function seed(scope: { prefix: string; scope: string }, charges: readonly BudgetCharge[]): Promise<void> {
    await Promise.all(
      charges.map(async (charge) => {
        const use = await deps.readRecord(charge.budget, charge.window);
        const counters = countedMetrics(charge.budget).map((metric) => ({ counter: budgetCounterName(charge.budget.id, charge.window.id, metric), amount: use[metric] }));
        await reserve(redis, { ...scope, id: SEED_RESERVATION_ID, ttlMs: untilPeriodExpiry(charge.window, now()), counters });
      }),
    );
  }

  return {
    async reserve(input) {
      const owners = [...chargesByOwner(input.charges)];
      const results = await Promise.allSettled(owners.map(([ownerId, charges]) => reserveOwner(ownerId, charges, input)));
      const refused = results.find((r): r is PromiseFulfilledResult<Extract<BudgetReservation, { ok: false }>> => r.status === 'fulfilled' && !r.value.ok);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (refused === undefined && failed === undefined) return { ok: true, held: results.flatMap((r) => (r.status === 'fulfilled' && r.value.ok ? r.value.held : [])) };
      // An owner that held lets go: the request does not run.
      await Promise.allSettled(owners.map(([ownerId, charges], i) => (results[i]?.status === 'fulfilled' ? releaseOwner(ownerId, input.requestId, charges) : undefined)));
      if (failed !== undefined) throw failed.reason;
      return (refused as PromiseFulfilledResult<BudgetReservation>).value;
    },
    async settle(requestId, used) {
      const nowMs = now();
      await Promise.all(
        [...chargesByOwner(used)].map(([ownerId, charges]) => {
          const ttlMs = Math.max(...charges.map((c) => untilPeriodExpiry(c.window, nowMs)));
          return settle(redis, { prefix, scope: ownerId, id: requestId, ttlMs, counters: countersOf(charges, false) });
        }),
      );
    },
    async release(requestId, charges) {
      await Promise.all([...chargesByOwner(charges)].map(([ownerId, list]) => releaseOwner(ownerId, requestId, list)));
    },
  };

  function releaseOwner(ownerId: string, requestId: string, charges: readonly BudgetInPeriod[]): Promise<void> {
    const counters = charges.flatMap((c) => countedMetrics(c.budget).map((metric) => budgetCounterName(c.budget.id, c.window.id, metric)));
    return release(redis, { prefix, scope: ownerId, id: requestId, counters });
  }
}

/** The reservation's counters: every counted metric of every charge, with the budget's limit when it enforces. */
function countersOf(charges: readonly BudgetCharge[], withLimits: boolean): CounterAmount[] {
  return charges.flatMap((charge) =>
    countedMetrics(charge.budget).map((metric) => {
      const counter: CounterAmount = { counter: budgetCounterName(charge.budget.id, charge.window.id, metric), amount: charge.amounts[metric] };
      const limit = charge.budget.limits[metric];
      if (withLimits && charge.enforce && limit !== undefined) counter.limit = limit;
      return counter;
    }),
  );
}

/** Which budget and metric a refused reservation names (counters are in `countersOf` order). */
function refusalOf(charges: readonly BudgetCharge[], held: Extract<ReserveResult, { ok: false }>): Extract<BudgetReservation, { ok: false }> {
  for (const charge of charges) {
    for (const metric of countedMetrics(charge.budget)) {
      if (budgetCounterName(charge.budget.id, charge.window.id, metric) !== held.counter) continue;
      return { ok: false, budget: charge.budget, window: charge.window, metric, limit: charge.budget.limits[metric] ?? 0, reservedTotal: held.reservedTotal };
    }
  }
  throw new Error(`a budget reservation was refused on an unknown counter ${held.counter}`);
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

function withRemaining(charges: readonly BudgetCharge[], totals: readonly number[]): HeldCharge[] {
  let i = 0;
  return charges.map((charge) => {
    const remaining: Partial<BudgetAmounts> = {};
    for (const metric of countedMetrics(charge.budget)) {
      const limit = charge.budget.limits[metric];
      const total = totals[i++] ?? 0;
      if (charge.enforce && limit !== undefined) remaining[metric] = Math.max(0, limit - total);
    }
    return { ...charge, remaining };
  });
}
