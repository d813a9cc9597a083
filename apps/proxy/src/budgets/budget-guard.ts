import { type Budget, periodWindow } from '@byok/budgets';
import type { BudgetCharge, BudgetCounters, BudgetReservation, HeldCharge } from '@byok/budgets/counters';
import { isDatabaseUnavailable } from '@byok/db';
import { AppError } from '@byok/http';
import { isRedisUnavailable } from '@byok/queues';
import type { OpenAIChatRequest, ProviderId } from '@byok/providers';
import type { CredentialSource } from '@byok/routing';
import type { Logger } from '@byok/telemetry';
import type { Pricer } from '../pricing/pricer.js';
import { completionTokenCap, estimatePromptTokens } from '../pricing/token-estimate.js';
import { applyingBudgets, type BudgetCaller } from './applying-budgets.js';
import type { BudgetRefusal } from './budget-refusal.js';

/** What one request holds on its budgets until it ends. */
export interface BudgetHold {
  requestId: string;
  held: HeldCharge[];
  /** The prompt's size as estimated before the call (what is counted when usage never came). */
  promptTokensEstimate: number;
  /** What the request may use before a stream is cut: the smallest hold of an enforcing budget; undefined = no such limit. */
  allowance: { tokens: number | undefined; spendMicro: number | undefined };
}

export type BudgetCheck = { kind: 'free' } | { kind: 'held'; hold: BudgetHold } | { kind: 'refused'; refusal: BudgetRefusal };

/** `BUDGET_REDIS_DOWN`: what a request that a budget applies to does while the counters are unreachable. */
export type BudgetRedisDown = 'auto' | 'open' | 'closed';

export interface BudgetHoldInput {
  requestId: string;
  budgets: readonly Budget[];
  caller: BudgetCaller;
  candidate: { provider: ProviderId; upstreamModel: string; credentialSource: CredentialSource; keyId?: string | undefined };
  request: OpenAIChatRequest;
}

/** What a request used, as its usage event records it. */
export interface BudgetUse {
  promptTokens: number;
  completionTokens: number;
  costMicro: number;
}

export interface BudgetGuard {
  /**
   * Holds the request's estimate (1 request; the prompt estimate plus `max_tokens` or the default,
   * in tokens and at list price) on every budget that applies to the candidate. `refused` names
   * the budget that has not enough left; a stream may hold less than its estimate when less is
   * left (it is cut there). While the counters are unreachable, `BUDGET_REDIS_DOWN` decides:
   * closed throws 503 `redis_unavailable`, open lets the request through unmetered (`free`).
   * Answers without a promise when nothing applies or every budget was served from a lease.
   */
  hold(input: BudgetHoldInput): BudgetCheck | Promise<BudgetCheck>;
  /** Replaces the hold by what the request used: queued for the owner's next batch (a failed batch is logged and sent again; the reconciler corrects what is lost). */
  settle(hold: BudgetHold, used: BudgetUse): void;
  /** Ends the hold of a request that did not reach a provider on this candidate; never throws. */
  release(hold: BudgetHold): void;
}

export interface BudgetGuardDeps {
  counters: BudgetCounters;
  pricer: Pricer;
  /** Completion tokens held for a request without `max_tokens`. */
  defaultMaxTokens: number;
  redisDown: BudgetRedisDown;
  logger: Logger;
  now?: () => number;
}

const FREE: BudgetCheck = { kind: 'free' };

export function createBudgetGuard(deps: BudgetGuardDeps): BudgetGuard {
  const now = deps.now ?? Date.now;
  const { counters, logger } = deps;
  /** While the counters are unreachable, `BUDGET_REDIS_DOWN` decides; any other error is a fault, never a way past a budget. */
  function outage(err: unknown, requestId: string, applying: readonly Budget[], candidate: BudgetHoldInput['candidate']): BudgetCheck {
    if (!isRedisUnavailable(err) && !isDatabaseUnavailable(err)) throw err;
    const closed = deps.redisDown === 'closed' || (deps.redisDown === 'auto' && candidate.credentialSource === 'system');
    if (closed) {
      logger.warn({ err, request_id: requestId }, 'budget counters unreachable; the request is refused (BUDGET_REDIS_DOWN closed)');
      throw new AppError('redis_unavailable', 'Budgets cannot be checked right now; try again shortly.', { cause: err, headers: { 'retry-after': '5' } });
    }
    logger.warn({ err, request_id: requestId, budget_ids: applying.map((b) => b.id) }, 'budget counters unreachable; the request goes through unmetered (BUDGET_REDIS_DOWN open)');
    return FREE;
  }

  return {
    hold({ requestId, budgets, caller, candidate, request }) {
      if (budgets.length === 0) return FREE;
      const applying = applyingBudgets(budgets, caller, { provider: candidate.provider, keyId: candidate.keyId });
      if (applying.length === 0) return FREE;
      const nowMs = now();
      const promptTokensEstimate = estimatePromptTokens(request);
      const completion = completionTokenCap(request, deps.defaultMaxTokens);
      const amounts = {
        requests: 1,
        tokens: countable(promptTokensEstimate + completion),
        spend_micro_usd: countable(deps.pricer.costMicro(candidate.provider, candidate.upstreamModel, promptTokensEstimate, completion)),
      };
      const charges: BudgetCharge[] = applying.map((budget) => ({ budget, window: periodWindow(budget.period, budget.timeZone, nowMs), amounts, enforce: budget.action !== 'notify' }));
      const checked = (reserved: BudgetReservation): BudgetCheck =>
        reserved.ok ? { kind: 'held', hold: { requestId, held: reserved.held, promptTokensEstimate, allowance: allowanceOf(reserved.held) } } : { kind: 'refused', refusal: reserved };
      let reserved: BudgetReservation | Promise<BudgetReservation>;
      try {
        reserved = counters.reserve({ requestId, charges, partial: request.stream === true });
      } catch (err) {
        return outage(err, requestId, applying, candidate);
      }
      // Served from the leases: no promise on the hot path.
      if (!(reserved instanceof Promise)) return checked(reserved);
      return reserved.then(checked, (err: unknown) => outage(err, requestId, applying, candidate));
    },
    settle(hold, used) {
      counters.settle(hold.requestId, hold.held, { requests: 1, tokens: countable(used.promptTokens + used.completionTokens), spend_micro_usd: countable(used.costMicro) });
    },
    release(hold) {
      counters.release(hold.requestId, hold.held).catch((err: unknown) => logger.warn({ err, request_id: hold.requestId }, 'could not release a budget hold; it lapses on its own'));
    },
  };
}

/**
 * An estimate as a counter amount: a whole number no larger than the largest exact one, so an
 * absurd `max_tokens` (or `n`) is simply more than any budget has left rather than an error.
 */
function countable(amount: number): number {
  return Number.isFinite(amount) ? Math.min(Math.max(0, Math.ceil(amount)), Number.MAX_SAFE_INTEGER) : Number.MAX_SAFE_INTEGER;
}

/** The smallest hold of tokens and of spend among the budgets that enforce a limit on them. */
function allowanceOf(held: readonly HeldCharge[]): BudgetHold['allowance'] {
  let tokens: number | undefined;
  let spendMicro: number | undefined;
  for (const charge of held) {
    if (!charge.enforce) continue;
    if (charge.budget.limits.tokens !== undefined) tokens = Math.min(tokens ?? Number.POSITIVE_INFINITY, charge.amounts.tokens);
    if (charge.budget.limits.spend_micro_usd !== undefined) spendMicro = Math.min(spendMicro ?? Number.POSITIVE_INFINITY, charge.amounts.spend_micro_usd);
  }
  return { tokens, spendMicro };
}
