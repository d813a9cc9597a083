import { BUDGET_METRICS, type Budget, type BudgetMetric } from '../budget.js';
import type { PeriodWindow } from '../period-window.js';
import type { BudgetAmounts } from './budget-amounts.js';
import type { FlushEntry, FlushReply, SettledRequest } from './budget-store.js';

/** When an instance leases a slice of a budget's remainder, and how large. */
export interface LeasePolicy {
  /** Settles are sent and leases resized this often (ms). */
  flushIntervalMs: number;
  /** A lease nobody renews (its instance crashed) lapses after this (ms); an instance stops serving from a lease it could not renew for half of it. */
  leaseTtlMs: number;
  /** Lease only while what is left of every limit is at least this many times a request's estimate; nearer the limit every request is held exactly. */
  nearLimitFactor: number;
  /** A lease takes at most this share of what is left (other instances need their own). */
  remainderShare: number;
  /** A lease is sized to this instance's use over this long (ms), so an idle one goes back within it. */
  horizonMs: number;
  /** Requests per second on a budget below which an instance does not lease (per-request holds cost less than renewing a lease). */
  minRequestsPerSecond: number;
  /** Settled requests one flush sends per budget, so one script stays short (Redis runs nothing else meanwhile); a longer backlog goes in the flushes right after. */
  maxSettlesPerFlush: number;
}

export const DEFAULT_LEASE_POLICY: LeasePolicy = { flushIntervalMs: 200, leaseTtlMs: 3000, nearLimitFactor: 50, remainderShare: 0.125, horizonMs: 1000, minRequestsPerSecond: 8, maxSettlesPerFlush: 1000 };

const ZERO: BudgetAmounts = { requests: 0, tokens: 0, spend_micro_usd: 0 };

/** What one flush sent for a budget, to apply its reply (or undo on failure). */
export interface FlushPart {
  entry: FlushEntry;
  sentAt: number;
  settled: SettledRequest[];
  /** The use of the leased requests among them, taken out of the lease. */
  moved: BudgetAmounts;
}

/**
 * One budget in one period as one instance sees it: the slice it leases (served locally with no
 * Redis round trip), what it promised from it (`committed`: estimates of leased requests in
 * flight and the use of settled ones not yet sent), the settles waiting for the next flush, and
 * its recent use, which sizes the lease.
 *
 * The invariant that keeps every limit: `committed ≤ slice ≤ the lease in Redis`. A lease grows
 * in Redis first (the flush script, against the limit) and here only from its reply; it shrinks
 * here first and in Redis at the next flush, whose floor is what this instance may still use.
 */
export class LocalBudget {
  /** The latest version of the budget (its limits and action may change within a period). */
  budget: Budget;
  readonly window: PeriodWindow;
  enforce: boolean;
  private slice: BudgetAmounts = { ...ZERO };
  private committed: BudgetAmounts = { ...ZERO };
  /** Everything but this instance's lease, as of the last script that reported it; undefined until one did. */
  private others: BudgetAmounts | undefined;
  private leasedInRedis = false;
  private confirmedAt = Number.NEGATIVE_INFINITY;
  /** Settled requests waiting for the next flush; leased ones (not `heldInRedis`) are still inside the lease until then. */
  private settled: SettledRequest[] = [];
  /** Per flush interval of the horizon (by the clock, however often flushes run): requests and amounts seen, leased or not, newest last. */
  private recent: Array<{ requests: number; amounts: BudgetAmounts }>;
  /** When the newest bucket of `recent` started (ms, the monotonic clock the caller passes). */
  private bucketAt: number;
  private largestEstimate: BudgetAmounts = { ...ZERO };
  private flushing = false;
  private limitedOf: Budget | undefined;
  private limitedMetrics: readonly BudgetMetric[] = [];
  /** Set when a flush found the counter unseeded (Redis lost it): seed before the next flush. */
  needsSeed = false;

  constructor(
    budget: Budget,
    window: PeriodWindow,
    enforce: boolean,
    private readonly policy: LeasePolicy,
    nowMs: number,
  ) {
    this.budget = budget;
    this.window = window;
    this.enforce = enforce;
    this.recent = Array.from({ length: Math.max(1, Math.round(policy.horizonMs / policy.flushIntervalMs)) }, () => ({ requests: 0, amounts: { ...ZERO } }));
    this.bucketAt = nowMs;
  }

  /** Counts a request that applies (leased or held exactly): the lease is sized by this use. */
  noteRequest(estimate: BudgetAmounts, nowMs: number): void {
    this.roll(nowMs);
    const now = this.recent[this.recent.length - 1] as (typeof this.recent)[number];
    now.requests++;
    addInto(now.amounts, estimate);
    for (const m of BUDGET_METRICS) this.largestEstimate[m] = Math.max(this.largestEstimate[m], estimate[m]);
  }

  /** Takes `estimate` from the lease, or false when it has not room enough (or could not be renewed lately). */
  grant(estimate: BudgetAmounts, nowMs: number): boolean {
    if (!this.enforce) return true;
    if (nowMs - this.confirmedAt > this.policy.leaseTtlMs / 2) return false;
    for (const m of this.limited()) if (this.committed[m] + estimate[m] > this.slice[m]) return false;
    addInto(this.committed, estimate);
    return true;
  }

  /** A leased request ended without reaching a provider: its estimate goes back to the lease. */
  ungrant(estimate: BudgetAmounts): void {
    if (this.enforce) subtractFrom(this.committed, estimate);
  }

  /** A request settled (`packed`: its use packed for the script): its use waits for the next flush; a leased one's estimate becomes its use in the lease. */
  settle(requestId: string, used: BudgetAmounts, packed: string, leasedEstimate: BudgetAmounts | undefined): void {
    if (leasedEstimate !== undefined && this.enforce) {
      subtractFrom(this.committed, leasedEstimate);
      addInto(this.committed, used);
    }
    this.settled.push({ requestId, amounts: used, packed, heldInRedis: leasedEstimate === undefined });
  }

  /** What is left of each limit after this instance's lease use (the others' as last reported): the `remaining` of a leased request. */
  remaining(): Partial<BudgetAmounts> {
    const left: Partial<BudgetAmounts> = {};
    if (!this.enforce) return left;
    for (const m of this.limited()) left[m] = Math.max(0, (this.budget.limits[m] ?? 0) - (this.others?.[m] ?? 0) - this.committed[m]);
    return left;
  }

  /** Learns the totals a per-request hold reported (they include this instance's lease). */
  observeTotals(totals: BudgetAmounts): void {
    const others = { ...totals };
    if (this.leasedInRedis) subtractFrom(others, this.slice);
    this.others = others;
  }

  /** Settles waiting beyond what one flush takes: the next flush should follow at once. */
  hasBacklog(): boolean {
    return this.settled.length >= this.policy.maxSettlesPerFlush;
  }

  /** Whether a flush has anything to do for this budget. */
  hasWork(nowMs: number): boolean {
    return this.settled.length > 0 || this.leasedInRedis || this.hasCommitted() || this.wantsLease(nowMs);
  }

  /** Nothing held, leased, pending or recent: the entry can go. */
  isIdle(nowMs: number): boolean {
    return !this.hasWork(nowMs) && !this.flushing && this.recent.every((r) => r.requests === 0);
  }

  /**
   * Starts a flush: takes the waiting settles out of the lease, shrinks the
   * slice here first when it is larger than wanted, and says what the lease must be at least
   * (`floor`: all this instance may still use, including room it serves from during the flush)
   * and what it should be (`wanted`); `returning` (shutdown) wants nothing beyond the floor.
   */
  startFlush(counter: Omit<FlushEntry, 'settled' | 'lease' | 'limits'>, nowMs: number, returning = false): FlushPart {
    const settled = this.settled.length <= this.policy.maxSettlesPerFlush ? this.settled : this.settled.slice(0, this.policy.maxSettlesPerFlush);
    this.settled = settled === this.settled ? [] : this.settled.slice(settled.length);
    const moved = { ...ZERO };
    for (const s of settled) if (!s.heldInRedis) addInto(moved, s.amounts);
    if (this.enforce) {
      subtractFrom(this.slice, moved);
      subtractFrom(this.committed, moved);
    }
    const target = returning ? { ...ZERO } : this.target(nowMs);
    const limits = this.enforce ? this.budget.limits : {};
    let lease: FlushEntry['lease'];
    if (this.enforce && (this.leasedInRedis || this.hasCommitted() || BUDGET_METRICS.some((m) => target[m] > 0))) {
      const floor = { ...ZERO };
      const wanted = { ...ZERO };
      for (const m of this.limited()) {
        if (target[m] < this.slice[m]) this.slice[m] = Math.max(this.committed[m], target[m]);
        floor[m] = Math.max(this.slice[m], this.committed[m]);
        this.slice[m] = floor[m];
        wanted[m] = Math.max(floor[m], target[m]);
      }
      lease = { floor, wanted };
    }
    this.flushing = true;
    return { entry: { ...counter, limits, lease, settled }, sentAt: nowMs, settled, moved };
  }

  /** Applies a flush's reply: the lease as Redis holds it now, and everyone else's totals. */
  finishFlush(part: FlushPart, reply: FlushReply): void {
    this.flushing = false;
    if (!reply.seeded) {
      // Redis lost the counter: nothing of the lease is left; the settles wait for the seed.
      this.restore(part);
      this.slice = { ...ZERO };
      this.leasedInRedis = false;
      this.others = undefined;
      this.needsSeed = true;
      return;
    }
    this.others = reply.others;
    if (part.entry.lease !== undefined) {
      this.slice = { ...reply.lease };
      this.leasedInRedis = BUDGET_METRICS.some((m) => reply.lease[m] > 0);
      this.confirmedAt = part.sentAt;
    }
  }

  /**
   * A flush failed (Redis away, or no answer): its settles wait for the next one. The slice stays
   * as shrunk for the flush (never more than Redis may hold, whether the script ran or not), and
   * without a renewal the lease stops serving after half its life.
   */
  failFlush(part: FlushPart): void {
    this.flushing = false;
    this.restore(part);
  }

  private restore(part: FlushPart): void {
    this.settled = [...part.settled, ...this.settled];
    if (this.enforce) addInto(this.committed, part.moved);
  }

  /** Leased requests in flight (or settled and not sent): after Redis lost the counter, the next flush holds them again. */
  private hasCommitted(): boolean {
    return this.enforce && BUDGET_METRICS.some((m) => this.committed[m] > 0);
  }

  /** Whether this instance should lease (busy on the budget, far from its limits). */
  wantsLease(nowMs: number): boolean {
    return this.enforce && BUDGET_METRICS.some((m) => this.target(nowMs)[m] > 0);
  }

  /**
   * The lease this instance should hold: its use over the horizon (at least two of its largest
   * requests), at most a share of what is left; nothing when it sees few requests or when any
   * limit is near (what is left is less than `nearLimitFactor` requests), so requests near a limit
   * are held one by one, exactly.
   */
  private target(nowMs: number): BudgetAmounts {
    this.roll(nowMs);
    const target = { ...ZERO };
    if (!this.enforce || this.others === undefined) return target;
    const requests = this.recent.reduce((n, r) => n + r.requests, 0);
    if (requests < (this.policy.minRequestsPerSecond * this.policy.horizonMs) / 1000) return target;
    const limited = this.limited();
    const left = (m: BudgetMetric) => (this.budget.limits[m] ?? 0) - (this.others?.[m] ?? 0);
    if (limited.some((m) => left(m) < this.policy.nearLimitFactor * Math.max(1, this.largestEstimate[m]))) return target;
    for (const m of limited) {
      const used = this.recent.reduce((n, r) => n + r.amounts[m], 0);
      target[m] = Math.floor(Math.min(left(m) * this.policy.remainderShare, Math.max(used, 2 * this.largestEstimate[m])));
    }
    return target;
  }

  /** Starts a new bucket for every flush interval that passed since the newest one started. */
  private roll(nowMs: number): void {
    const steps = Math.floor((nowMs - this.bucketAt) / this.policy.flushIntervalMs);
    if (steps <= 0) return;
    for (let i = 0; i < Math.min(steps, this.recent.length); i++) {
      this.recent.shift();
      this.recent.push({ requests: 0, amounts: { ...ZERO } });
    }
    this.bucketAt += steps * this.policy.flushIntervalMs;
  }

  /** The metrics the budget limits; asked twice per leased request, so kept until the budget changes. */
  private limited(): readonly BudgetMetric[] {
    if (this.limitedOf !== this.budget) {
      this.limitedOf = this.budget;
      this.limitedMetrics = BUDGET_METRICS.filter((m) => this.budget.limits[m] !== undefined);
    }
    return this.limitedMetrics;
  }
}

function addInto(into: BudgetAmounts, amounts: BudgetAmounts): void {
  for (const m of BUDGET_METRICS) into[m] += amounts[m];
}

function subtractFrom(from: BudgetAmounts, amounts: BudgetAmounts): void {
  for (const m of BUDGET_METRICS) from[m] = Math.max(0, from[m] - amounts[m]);
}
