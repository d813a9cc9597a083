import type { Budget } from '@byok/budgets';
import { AppError } from '@byok/http';
import type { KeyBlock, KeyFailure, KeyHealthTracker } from '@byok/key-health';
import type { OpenAIChatRequest } from '@byok/providers';
import { candidateCredential, type Routes, type SystemKeySet, type TurnGroup } from '@byok/routing';
import type { FastifyReply } from 'fastify';
import type { ProxyCaller } from '../auth/caller-resolver.js';
import type { BudgetGuard, BudgetHold } from '../budgets/budget-guard.js';
import { type BudgetRefusal, budgetExceededError, budgetSkipReason } from '../budgets/budget-refusal.js';
import { BUDGET_REMAINING_HEADER, budgetRemainingHeader } from '../budgets/budget-remaining-header.js';
import { streamBudgetCheck } from '../budgets/stream-budget.js';
import type { UpstreamAdmission } from '../limits/upstream-admission.js';
import type { Pricer } from '../pricing/pricer.js';
import type { TtlCache } from '../support/ttl-cache.js';
import { upstreamFailure } from '../upstream/upstream-errors.js';
import type { UpstreamTargets } from '../upstream/upstream-targets.js';
import type { AttemptPlan, PlannedAttempt } from './attempt-plan.js';
import type { CreditHolds } from './credit-hold.js';
import { createExchange, type Exchange, retarget } from './exchange.js';
import { errorOutcome, failureOfStatus, isFailoverStatus, mayFailOverAfterBreak, secondsUntil, statusOutcome } from './failover.js';
import { keyEchoGuardOf } from './key-echo.js';
import { keyScrubber } from './key-scrubber.js';
import { routeHeaders } from './route-headers.js';
import { sendChatError } from './send-chat-error.js';
import type { StreamDrains } from './stream-drain.js';
import type { UpstreamAbort } from './upstream-abort.js';
import { abandon, type AfterResponse, answer, callUpstream, keyVersionOf, watchClient } from './upstream-call.js';
import { readUpstreamError, relayUpstreamError, type UpstreamError } from './upstream-error-response.js';

/** What the attempt loop needs from the proxy's services. */
export interface AttemptDeps {
  systemKeys: SystemKeySet;
  balances: TtlCache<number>;
  upstreams: UpstreamTargets;
  credits: CreditHolds;
  drains: StreamDrains;
  admission: UpstreamAdmission;
  keyHealth: KeyHealthTracker;
  afterResponse: AfterResponse;
  tracing: boolean;
  /** Header wait of an attempt that another candidate could take over. */
  attemptTimeoutMs: number;
  /** Holds and settles the request's estimate on the budgets that apply to each candidate. */
  budgets: BudgetGuard;
  pricer: Pricer;
  /** The clock budgets' periods are read with. */
  now: () => number;
}

/** One request on its way through its attempts. */
export interface AttemptRequest {
  reply: FastifyReply;
  body: OpenAIChatRequest;
  caller: ProxyCaller;
  requestId: string;
  startedAt: number;
  routes: Routes;
  /** The credit balance, when the decision already needed it. */
  balanceMicro: number | undefined;
  /** When the request's deadline for starting an attempt passes (`performance.now()` scale). */
  deadlineAt: number;
  /** The budgets of the caller's owners (those that apply are picked per candidate). */
  budgets: readonly Budget[];
}

/** The last attempt that failed over, kept to be relayed if no later one answers. */
type LastFailure = { attempt: PlannedAttempt; answered: string } & ({ read: UpstreamError } | { error: AppError });

/** The request's state across attempts: one exchange, one client watch, admitted once per kind of key. */
interface Run {
  exchange: Exchange | undefined;
  abort: UpstreamAbort | undefined;
  admitted: 'byok' | 'system' | undefined;
  lastFailure: LastFailure | undefined;
  /** What the current candidate holds on its budgets. */
  budget: BudgetHold | undefined;
  /** The last candidate a budget refused, for the 429 when no candidate is left. */
  budgetRefusal: { attempt: PlannedAttempt; refusal: BudgetRefusal } | undefined;
  /** The run of equal-priority keys last turned for this request (a run's keys are tried one after the other). */
  turned: TurnGroup | undefined;
  /** When the first user key found resting (cool-down, open circuit) when its turn came may serve again (epoch ms). */
  retryAt: number | undefined;
}

/**
 * Tries the plan's candidates in order until one answers: a 2xx, or an error that is the caller's
 * (400, 404, 422 …) or that no candidate is left to take over. An attempt that fails before any
 * byte reached the client (no connection, no headers in time, 401/403, 402, 429, 5xx, 529) is
 * recorded in its key's health and in the receipt, and the next candidate is tried; a stream that
 * has started is never retried. A user key blocked since the decision (another request opened its
 * circuit, or holds its half-open trial) and a platform key without credits are skipped then.
 */
export async function runAttempts(plan: AttemptPlan, request: AttemptRequest, deps: AttemptDeps): Promise<unknown> {
  const run: Run = { exchange: undefined, abort: undefined, admitted: undefined, lastFailure: undefined, budget: undefined, budgetRefusal: undefined, turned: undefined, retryAt: undefined };
  for (let attempt = plan.next(); attempt !== undefined; attempt = plan.next()) {
    // Before any await: requests decided in the same instant must not all read the same turn.
    turnRun(attempt.candidate.turnGroup, run, request.routes);
    // Budgets first: a key skipped for its budget must not take its half-open trial.
    if (!(await holdBudgets(attempt, plan, run, request, deps))) continue;
    if (!(await usableNow(attempt, plan, run, request, deps))) {
      releaseBudget(run, deps);
      continue;
    }
    const result = await tryCandidate(attempt, plan, run, request, deps);
    if (result.done) return result.value;
  }
  if (run.exchange === undefined && run.budgetRefusal !== undefined) refuseForBudget(plan, run.budgetRefusal, request, deps);
  const last = run.lastFailure;
  if (last === undefined || run.exchange === undefined) refuseNoneLeft(plan, run, request);
  // Nothing after the last failure could be tried: its answer is the client's, as with one key.
  // Its key's health has it already.
  run.exchange.failedAttempts.pop();
  run.exchange.healthRecorded = true;
  request.reply.headers(routeHeaders(plan.outcome(last.attempt, last.answered), request.requestId, plan.attempts));
  if ('read' in last) return relayUpstreamError(request.reply, run.exchange, last.read);
  throw last.error;
}

/**
 * False (and the candidate marked skipped) when a candidate that was usable at decision time is
 * not any more: a user key another request has cooled or whose circuit it opened since, or whose
 * half-open trial is taken (the last key left too: resting keys are never tried), or a platform
 * key without credits.
 */
async function usableNow(attempt: PlannedAttempt, plan: AttemptPlan, run: Run, request: AttemptRequest, deps: AttemptDeps): Promise<boolean> {
  const { candidate } = attempt;
  if (candidate.credentialSource !== 'system') {
    if (candidate.keyId === undefined) return false;
    const claim = deps.keyHealth.claim(candidate.keyId);
    // A promise only for a half-open key, whose one trial is taken across instances.
    if (claim === true || (claim !== false && (await claim))) return true;
    const block = deps.keyHealth.blocked(candidate.keyId);
    if (block !== null && (run.retryAt === undefined || block.untilMs < run.retryAt)) run.retryAt = block.untilMs;
    plan.skipped(block?.reason ?? 'circuit_open');
    return false;
  }
  if (request.balanceMicro === undefined) request.balanceMicro = await deps.balances.get(request.caller.userId);
  if (request.balanceMicro > 0) return true;
  plan.skipped('no_credits');
  return false;
}

/**
 * Holds the request's estimate on the budgets that apply to the candidate. False (and the
 * candidate skipped as `budget_exceeded(budget <id>)`) when one has not enough left; the pool
 * then fails over to the next candidate.
 */
async function holdBudgets(attempt: PlannedAttempt, plan: AttemptPlan, run: Run, request: AttemptRequest, deps: AttemptDeps): Promise<boolean> {
  run.budget = undefined;
  if (request.budgets.length === 0) return true;
  const check = await deps.budgets.hold({ requestId: request.requestId, budgets: request.budgets, caller: request.caller, candidate: attempt.candidate, request: request.body });
  if (check.kind === 'refused') {
    plan.skipped(budgetSkipReason(check.refusal.budget));
    run.budgetRefusal = { attempt, refusal: check.refusal };
    return false;
  }
  if (check.kind === 'held') run.budget = check.hold;
  return true;
}

/**
 * The current candidate's budget hold ends now: it did not reach its provider, or failed in a way
 * the next candidate takes over. The exchange forgets the hold too: when no later candidate is
 * tried, the last failure is relayed and the after-response step would settle the released hold,
 * taking a leased estimate off the instance's committed use a second time.
 */
function releaseBudget(run: Run, deps: AttemptDeps): void {
  if (run.budget === undefined) return;
  deps.budgets.release(run.budget);
  if (run.exchange?.budget === run.budget) run.exchange.budget = undefined;
  run.budget = undefined;
}

/**
 * No candidate was tried: each was found resting or without credits when its turn came. 400
 * `no_route` with the receipt, and `Retry-After` when a resting key says when it may serve again.
 */
function refuseNoneLeft(plan: AttemptPlan, run: Run, request: AttemptRequest): never {
  const message = 'No key could serve this request right now: the keys it could use were cooling down, resting after failures or out of credits when their turn came (see x-byok-route)';
  request.reply.headers(routeHeaders(plan.refused(message), request.requestId, plan.attempts));
  throw new AppError('no_route', message, run.retryAt === undefined ? {} : { retryAfterSeconds: secondsUntil(run.retryAt) });
}

/**
 * No candidate was tried because budgets refused them: 429 `budget_exceeded` naming the last
 * refusing budget, with the receipt. The request still emits its usage event (status 429,
 * `blockedBudgetId`), which no budget counts.
 */
function refuseForBudget(plan: AttemptPlan, refused: NonNullable<Run['budgetRefusal']>, request: AttemptRequest, deps: AttemptDeps): never {
  const { candidate } = refused.attempt;
  const exchange = createExchange({ requestId: request.requestId, caller: request.caller, chosen: candidate, requestedModel: request.body.model, stream: request.body.stream === true, startedAt: request.startedAt });
  exchange.blockedBudgetId = refused.refusal.budget.id;
  watchClient(request.reply, exchange, deps.afterResponse);
  const error = budgetExceededError(refused.refusal, deps.now());
  request.reply.headers(routeHeaders(plan.refused(error.message), request.requestId, plan.attempts));
  throw error;
}

type AttemptResult = { done: true; value: unknown } | { done: false };

async function tryCandidate(attempt: PlannedAttempt, plan: AttemptPlan, run: Run, request: AttemptRequest, deps: AttemptDeps): Promise<AttemptResult> {
  const { candidate } = attempt;
  const { reply, body, requestId } = request;
  const apiKey = candidateCredential(candidate, request.routes, deps.systemKeys);
  if (apiKey === undefined) throw new Error(`routing chose ${candidate.credentialSource}(${candidate.provider}) but holds no credential for it`);
  const target = deps.upstreams.get(candidate.provider);
  const built = target.adapter.buildRequest({ request: body, upstreamModel: candidate.upstreamModel, apiKey, baseUrl: target.baseUrl, spec: target.provider.chat, auth: target.provider.auth });
  if (!built.ok) {
    if (run.exchange === undefined) releaseBudget(run, deps);
    reply.headers(routeHeaders(plan.outcome(attempt), requestId, plan.attempts));
    return { done: true, value: sendChatError(reply, built.error, {}, requestId) };
  }
  let credit: Awaited<ReturnType<CreditHolds['reserve']>> | undefined;
  try {
    await admit(candidate, run, request, deps);
    // A refused reservation is a 402 that used nothing and records nothing.
    if (candidate.credentialSource === 'system') {
      credit = await deps.credits.reserve({ requestId, userId: request.caller.userId, provider: candidate.provider, upstreamModel: candidate.upstreamModel, request: body, balanceMicro: request.balanceMicro ?? 0 });
    }
  } catch (error) {
    releaseBudget(run, deps);
    reply.headers(routeHeaders(plan.outcome(attempt), requestId, plan.attempts));
    throw error;
  }

  const exchange = run.exchange ?? createExchange({ requestId, caller: request.caller, chosen: candidate, requestedModel: body.model, stream: body.stream === true, startedAt: request.startedAt });
  if (run.exchange === undefined) {
    run.exchange = exchange;
    run.abort = watchClient(reply, exchange, deps.afterResponse);
  } else retarget(exchange, candidate);
  exchange.credit = credit ?? exchange.credit;
  exchange.budget = run.budget;
  const abort = run.abort as UpstreamAbort;
  // The scrubber closes over the key; adapters call it only on text they pass to the client.
  const scrub = keyScrubber(apiKey);
  // A platform or organization key must not come back in an answer; a user's own key is theirs to see.
  const echo = candidate.credentialSource === 'system' || candidate.orgKey === true ? keyEchoGuardOf(request.routes, apiKey) : undefined;

  plan.started();
  const canFailOver = plan.canContinue();
  const headersTimeoutMs = canFailOver ? Math.max(1, Math.min(deps.attemptTimeoutMs, request.deadlineAt - performance.now())) : undefined;
  try {
    const upstream = await callUpstream(target, built.value, exchange, abort, deps.tracing, headersTimeoutMs);
    const status = upstream.statusCode;
    if (isFailoverStatus(status)) {
      const failure = failureOfStatus(status, upstream.headers['retry-after']);
      if (canFailOver) {
        const read = await readUpstreamError({ upstream, adapter: target.adapter, providerName: target.provider.displayName, scrub });
        plan.failed(recordFailedAttempt(exchange, request, deps, { status, failure, keyRejected: read.keyRejected }, (block) => statusOutcome(status, block)));
        releaseBudget(run, deps);
        run.lastFailure = { attempt, read, answered: String(status) };
        return { done: false };
      }
      exchange.keyFailure = failure;
    }
    reply.headers(routeHeaders(plan.outcome(attempt, String(status)), requestId, plan.attempts));
    const remaining = run.budget === undefined ? undefined : budgetRemainingHeader(run.budget.held);
    if (remaining !== undefined) reply.header(BUDGET_REMAINING_HEADER, remaining);
    const budgetCheck = run.budget === undefined || !exchange.stream ? undefined : streamBudgetCheck(run.budget, deps.pricer, candidate.provider, candidate.upstreamModel);
    return {
      done: true,
      value: await answer(upstream, { reply, target, body, exchange, scrub, echo, routes: request.routes, abort, drains: deps.drains, afterResponse: deps.afterResponse, budgetCheck }),
    };
  } catch (error) {
    // The client left, or the upstream could not be reached, went silent or broke off. Only our
    // own expected errors pass through as they are.
    if (exchange.aborted) return { done: true, value: abandon(reply) };
    if (error instanceof AppError) throw error;
    const failed = upstreamFailure(error, target.provider.displayName);
    const answeredStatus = exchange.upstreamStatus;
    const breakable = mayFailOverAfterBreak({ answeredStatus, stream: exchange.stream, replySent: reply.sent, platformKey: candidate.credentialSource === 'system', budgeted: run.budget !== undefined });
    if (breakable && canFailOver) {
      plan.failed(recordFailedAttempt(exchange, request, deps, { status: answeredStatus ?? 0, failure: { kind: 'fault' }, keyRejected: false }, (block) => errorOutcome(error, block, answeredStatus)));
      releaseBudget(run, deps);
      run.lastFailure = { attempt, error: failed, answered: errorOutcome(error, null, answeredStatus) };
      return { done: false };
    }
    if (answeredStatus === undefined) exchange.keyFailure = { kind: 'fault' };
    if (!reply.sent) reply.headers(routeHeaders(plan.outcome(attempt, errorOutcome(error, null, answeredStatus)), requestId, plan.attempts));
    throw failed;
  }
}

/**
 * Moves the turn of the candidate's run of equal-priority keys, once per request: the next request
 * starts with the run's next key. It moves when one of the run's keys comes up, before the first
 * await, so a burst of requests decided together spreads over the run instead of all reading the
 * same turn; requests for other providers and runs never reached leave it where it is.
 */
function turnRun(group: TurnGroup | undefined, run: Run, routes: Routes): void {
  if (group === undefined || group === run.turned) return;
  routes.turns.advance(group);
  run.turned = group;
}

/**
 * Admission once per request for the user's own keys, and again when failover reaches a platform
 * key, whose own per-minute rate must hold.
 */
async function admit(candidate: PlannedAttempt['candidate'], run: Run, request: AttemptRequest, deps: AttemptDeps): Promise<void> {
  const kind = candidate.credentialSource === 'system' ? 'system' : 'byok';
  if (run.admitted === kind) return;
  await deps.admission.admit({ userId: request.caller.userId, credentialSource: candidate.credentialSource, keyId: candidate.keyId }, request.reply.raw);
  run.admitted = kind;
}

/**
 * Records a failed attempt in its key's health (user keys) and on the exchange; returns the
 * receipt's words for it, which `describe` makes from the block now in force.
 */
function recordFailedAttempt(
  exchange: Exchange,
  request: AttemptRequest,
  deps: AttemptDeps,
  what: { status: number; failure: KeyFailure; keyRejected: boolean },
  describe: (block: KeyBlock | null) => string,
): string {
  const latencyMs = Math.max(0, Math.round(performance.now() - (exchange.upstreamSentAt ?? request.startedAt)));
  const userKey = exchange.credentialSource !== 'system' ? exchange.keyId : undefined;
  const block = userKey === undefined ? null : deps.keyHealth.recordFailure(userKey, what.failure, latencyMs);
  const outcome = describe(block);
  exchange.failedAttempts.push({
    provider: exchange.provider,
    credentialSource: exchange.credentialSource,
    keyId: exchange.keyId,
    keyVersion: userKey === undefined ? undefined : keyVersionOf(request.routes, exchange.provider, userKey),
    status: what.status,
    outcome,
    latencyMs,
    keyRejected: what.keyRejected,
    orgKey: exchange.orgKey,
  });
  return outcome;
}
