import type { RouteCandidate, RouteDecision } from '@byok/routing';

type Routed = Extract<RouteDecision, { outcome: 'routed' }>;

/** One candidate to try: its place in the receipt and the candidate. */
export interface PlannedAttempt {
  index: number;
  candidate: RouteCandidate;
}

/**
 * The order a request tries its usable candidates in (the decision's chosen one, then its
 * fallbacks), within `maxAttempts` and the request's deadline, and the receipt that records what
 * happened to each: `failed=<outcome>` for an attempt that failed over, `skipped=<reason>` for a
 * fallback found unusable when its turn came, `chosen` for the one that answered. The decision
 * itself is not changed; the plan works on a copy of its candidates.
 */
export class AttemptPlan {
  readonly #candidates: RouteCandidate[];
  readonly #order: number[];
  readonly #maxAttempts: number;
  readonly #deadlineAt: number;
  #position = 0;
  #attempts = 0;
  #current: PlannedAttempt | undefined;

  constructor(decision: Routed, maxAttempts: number, deadlineAt: number) {
    this.#candidates = decision.candidates.slice();
    this.#order = [];
    this.#candidates.forEach((c, i) => {
      if (c.status === 'chosen' || c.status === 'fallback') this.#order.push(i);
    });
    this.#maxAttempts = Math.max(1, maxAttempts);
    this.#deadlineAt = deadlineAt;
  }

  /** Attempts started so far. */
  get attempts(): number {
    return this.#attempts;
  }

  /** The next candidate to try, or undefined when none is left (or the budget is spent). */
  next(): PlannedAttempt | undefined {
    if (!this.canContinue()) return undefined;
    const index = this.#order[this.#position++];
    const candidate = index === undefined ? undefined : this.#candidates[index];
    if (index === undefined || candidate === undefined) return undefined;
    this.#current = { index, candidate };
    return this.#current;
  }

  /** Counts the current candidate as attempted (called when its upstream call starts). */
  started(): void {
    this.#attempts += 1;
  }

  /** True when another candidate could still be tried after the current one. */
  canContinue(): boolean {
    return this.#position < this.#order.length && this.#attempts < this.#maxAttempts && performance.now() < this.#deadlineAt;
  }

  /** The current candidate failed over: `outcome` goes in the receipt (e.g. `429 cooled 2s`). */
  failed(outcome: string): void {
    this.#mark('failed', outcome);
  }

  /** The current candidate turned out unusable before it was tried. */
  skipped(reason: string): void {
    this.#mark('skipped', reason);
  }

  /**
   * The decision as it turned out: `answered` (the attempt whose answer, or error, the client
   * gets) chosen, with what its upstream said (`200`, `429`, `timeout`; absent when no upstream
   * call was made), every other attempt and late skip in the receipt.
   */
  outcome(answered: PlannedAttempt, upstream?: string): Routed {
    const { index, candidate } = answered;
    const reason = candidate.status === 'chosen' ? candidate.reason : 'chosen: after failover';
    const chosen: RouteCandidate = { ...candidate, status: 'chosen', reason, answered: upstream };
    this.#candidates[index] = chosen;
    return { outcome: 'routed', chosen, candidates: this.#candidates };
  }

  /** The decision when no candidate could be tried (every one skipped), with its receipt as it stands. */
  refused(message: string): RouteDecision {
    return { outcome: 'no_route', message, candidates: this.#candidates };
  }

  #mark(status: 'failed' | 'skipped', reason: string): void {
    const current = this.#current;
    if (current === undefined) return;
    this.#candidates[current.index] = { ...current.candidate, status, reason };
  }
}
