import { AppError } from '@byok/http';
import type { KeyHealthTracker } from '@byok/key-health';
import type { OpenAIChatRequest } from '@byok/providers';
import { type ModelResolver, needsCreditBalance, type ResolveOptions, type ResolvedRoute, resolveRoute, type RouteCache, type Routes, type SystemKeySet } from '@byok/routing';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ProxyCaller } from '../auth/caller-resolver.js';
import { callerRoutes } from '../auth/caller-routes.js';
import type { BudgetCache } from '../budgets/budget-cache.js';
import type { BudgetGuard } from '../budgets/budget-guard.js';
import type { UpstreamAdmission } from '../limits/upstream-admission.js';
import type { Pricer } from '../pricing/pricer.js';
import type { TtlCache } from '../support/ttl-cache.js';
import type { UpstreamTargets } from '../upstream/upstream-targets.js';
import { AttemptPlan } from './attempt-plan.js';
import type { CreditHolds } from './credit-hold.js';
import type { Exchange } from './exchange.js';
import { secondsUntil } from './failover.js';
import { platformFallbackOverride } from './platform-fallback-header.js';
import { routeHeaders } from './route-headers.js';
import { runAttempts } from './run-attempts.js';
import type { StreamDrains } from './stream-drain.js';
import { usageRequestId } from './usage-request-id.js';

export interface ChatHandlerDeps {
  routes: RouteCache;
  systemKeys: SystemKeySet;
  models: ModelResolver;
  /** Credit balances in micro-credits, read only when a platform key is needed. */
  balances: TtlCache<number>;
  upstreams: UpstreamTargets;
  /** The shared credit reservations of platform-key requests. */
  credits: CreditHolds;
  /** How long and how far a platform-key stream is still read after its client left. */
  drains: StreamDrains;
  /** Per-user caps and rates (429 past them); an admitted request holds its slot until the response closes. */
  admission: UpstreamAdmission;
  /** Cool-downs, circuits and stats of users' keys, shared by every instance. */
  keyHealth: KeyHealthTracker;
  /** Runs once per request, after its response has ended. */
  afterResponse(exchange: Exchange, responseStatus: number): void;
  /** Whether an OpenTelemetry SDK runs; without one no proxy span is made at all. */
  tracing: boolean;
  /** The budgets of callers' owners, in memory. */
  budgetCache: BudgetCache;
  /** Holds and settles requests' estimates on their budgets' shared counters. */
  budgets: BudgetGuard;
  pricer: Pricer;
  /** The clock budgets' periods are read with. */
  now: () => number;
  /** Upstream attempts per request at most (`PROXY_MAX_ATTEMPTS`). */
  maxAttempts: number;
  /** Header wait of an attempt that another candidate could take over (`PROXY_ATTEMPT_TIMEOUT_MS`). */
  attemptTimeoutMs: number;
  /** No attempt starts once this long has passed since the request arrived (`PROXY_UPSTREAM_HEADERS_TIMEOUT_MS`). */
  requestDeadlineMs: number;
}

type ChatRequest = FastifyRequest<{ Body: OpenAIChatRequest }>;

/**
 * `POST /v1/chat/completions`: who is calling, which of the caller's keys (then the platform's)
 * serve the model in which order (from memory), attempts through pooled connections until one
 * answers (see `run-attempts.ts`), and the answer streamed or sent back in OpenAI's shape.
 * Nothing is written anywhere during the request; the usage event and other side work run after
 * the response (see `after-response.ts`).
 */
export function createChatHandler(deps: ChatHandlerDeps) {
  return async function chatCompletions(request: ChatRequest, reply: FastifyReply): Promise<unknown> {
    // Fastify started its clock when the request arrived, before the body was read.
    const startedAt = performance.now() - reply.elapsedTime;
    const requestId = usageRequestId(request);
    const caller = request.proxyCaller;
    const body = request.body;
    const platformFallback = platformFallbackOverride(request.headers);
    // Both from memory almost always; loaded side by side when not. Acting for an org, the routes
    // come first: they check the membership, so an id of an org the caller is not in never makes
    // the budget cache load (and hold) that org's budgets.
    const [routes, budgets] =
      caller.orgId === undefined
        ? await Promise.all([callerRoutes(deps.routes, caller), deps.budgetCache.forCaller(caller)])
        : [await callerRoutes(deps.routes, caller), await deps.budgetCache.forCaller(caller)];
    const { route, balanceMicro } = await decide(deps, routes, caller, body.model, { keyHealth: deps.keyHealth, platformFallback, turns: routes.turns, maxUsable: deps.maxAttempts });
    if (route.apiKey === null) {
      const { outcome, message, retryAt } = route.decision;
      reply.headers(routeHeaders(route.decision, requestId));
      // A key that only rests (cool-down, open circuit) says when it may serve again.
      throw new AppError(outcome === 'insufficient_credits' ? 'insufficient_credits' : 'no_route', message, retryAt === undefined ? {} : { retryAfterSeconds: secondsUntil(retryAt) });
    }
    const deadlineAt = startedAt + deps.requestDeadlineMs;
    const plan = new AttemptPlan(route.decision, deps.maxAttempts, deadlineAt);
    return runAttempts(plan, { reply, body, caller, requestId, startedAt, routes, balanceMicro, deadlineAt, budgets }, deps);
  };
}

/** The routing decision; the credit balance is read only when a platform key is the way left. */
async function decide(
  deps: ChatHandlerDeps,
  routes: Routes,
  caller: ProxyCaller,
  model: string,
  options: ResolveOptions,
): Promise<{ route: ResolvedRoute; balanceMicro: number | undefined }> {
  const route = resolveRoute(routes, deps.systemKeys, model, null, deps.models, options);
  if (!needsCreditBalance(route.decision)) return { route, balanceMicro: undefined };
  const balanceMicro = await deps.balances.get(caller.userId);
  return { route: resolveRoute(routes, deps.systemKeys, model, balanceMicro, deps.models, options), balanceMicro };
}
