import { AppError } from '@byok/http';
import type { MessageScrubber, OpenAIChatRequest, UpstreamRequest } from '@byok/providers';
import { type ModelResolver, needsCreditBalance, type ResolvedRoute, resolveRoute, type RouteCache, type SystemKeySet, type UserRoutes } from '@byok/routing';
import { bindToCurrentTrace, startProxySpan, withoutCallSpan } from '@byok/telemetry';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Dispatcher } from 'undici';
import type { ProxyCaller } from '../auth/caller-resolver.js';
import type { UpstreamAdmission } from '../limits/upstream-admission.js';
import type { TtlCache } from '../support/ttl-cache.js';
import { upstreamFailure, upstreamRedirect } from '../upstream/upstream-errors.js';
import { pathBelow, type UpstreamTarget, type UpstreamTargets } from '../upstream/upstream-targets.js';
import type { CreditHolds } from './credit-hold.js';
import { createExchange, type CreditReservation, type Exchange } from './exchange.js';
import { sendJsonCompletion } from './json-completion.js';
import { type KeyEchoGuard, keyEchoGuard } from './key-echo.js';
import { keyScrubber } from './key-scrubber.js';
import { routeHeaders } from './route-headers.js';
import { sendChatError } from './send-chat-error.js';
import { streamCompletion } from './stream-completion.js';
import type { StreamDrains } from './stream-drain.js';
import { UpstreamAbort } from './upstream-abort.js';
import { sendUpstreamError } from './upstream-error-response.js';
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
  /** Runs once per upstream call, after its response has ended. */
  afterResponse(exchange: Exchange, responseStatus: number): void;
  /** Whether an OpenTelemetry SDK runs; without one no proxy span is made at all. */
  tracing: boolean;
}

type ChatRequest = FastifyRequest<{ Body: OpenAIChatRequest }>;

/**
 * `POST /v1/chat/completions`: who is calling, which key serves the model (from memory), one
 * upstream call through a pooled connection, and the answer streamed or sent back in OpenAI's
 * shape. Nothing is written anywhere during the request; the usage event and other side work run
 * after the response (see `after-response.ts`).
 */
export function createChatHandler(deps: ChatHandlerDeps) {
  return async function chatCompletions(request: ChatRequest, reply: FastifyReply): Promise<unknown> {
    // Fastify started its clock when the request arrived, before the body was read.
    const startedAt = performance.now() - reply.elapsedTime;
    const requestId = usageRequestId(request);
    const caller = request.proxyCaller;
    const body = request.body;
    const routes = await deps.routes.get(caller.userId);
    const { route, balanceMicro } = await decide(deps, routes, caller, body.model);
    reply.headers(routeHeaders(route.decision, requestId));
    if (route.apiKey === null) {
      throw new AppError(route.decision.outcome === 'insufficient_credits' ? 'insufficient_credits' : 'no_route', route.decision.message);
    }

    const { chosen } = route.decision;
    const target = deps.upstreams.get(chosen.provider);
    const built = target.adapter.buildRequest({ request: body, upstreamModel: chosen.upstreamModel, apiKey: route.apiKey, baseUrl: target.baseUrl, spec: target.provider.chat, auth: target.provider.auth });
    if (!built.ok) return sendChatError(reply, built.error, {}, requestId);
    await deps.admission.admit({ userId: caller.userId, credentialSource: chosen.credentialSource, keyId: chosen.keyId }, reply.raw);
    // Before the exchange exists: a refused reservation is a 402 that used nothing and records nothing.
    let credit: CreditReservation | undefined;
    if (chosen.credentialSource === 'system') {
      credit = await deps.credits.reserve({ requestId, userId: caller.userId, provider: chosen.provider, upstreamModel: chosen.upstreamModel, request: body, balanceMicro: balanceMicro ?? 0 });
    }

    const exchange = createExchange({ requestId, caller, chosen, requestedModel: body.model, stream: body.stream === true, startedAt });
    exchange.credit = credit;
    const abort = watchClient(reply, exchange, deps.afterResponse);
    // The scrubber closes over the key; adapters call it only on text they pass to the client.
    const scrub = keyScrubber(route.apiKey);
    // A platform key must not come back in an answer; a user's own key is theirs to see.
    const echo = chosen.credentialSource === 'system' ? keyEchoGuard(route.apiKey) : undefined;
    const input: AnswerInput = { reply, target, body, exchange, scrub, echo, routes, abort, deps };
    try {
      const upstream = await callUpstream(target, built.value, exchange, abort, deps.tracing);
      return await answer(upstream, input);
    } catch (error) {
      // The client left, or the upstream could not be reached, went silent or broke off. Only our
      // own expected errors pass through as they are.
      if (exchange.aborted) return abandon(reply);
      if (error instanceof AppError) throw error;
      throw upstreamFailure(error, target.provider.displayName);
    }
  };
}

/** The routing decision; the credit balance is read only when a platform key is the way left. */
async function decide(deps: ChatHandlerDeps, routes: UserRoutes, caller: ProxyCaller, model: string): Promise<{ route: ResolvedRoute; balanceMicro?: number }> {
  const route = resolveRoute(routes, deps.systemKeys, model, null, deps.models);
  if (!needsCreditBalance(route.decision)) return { route };
  const balanceMicro = await deps.balances.get(caller.userId);
  return { route: resolveRoute(routes, deps.systemKeys, model, balanceMicro, deps.models), balanceMicro };
}

/**
 * Runs the side work once the response has ended, and aborts the upstream request when the
 * client goes away before its answer is complete. Node emits `close` outside the request's trace
 * context; the listener is bound to it so the usage event links to the request's span (without an
 * SDK the listener is not wrapped).
 */
function watchClient(reply: FastifyReply, exchange: Exchange, afterResponse: ChatHandlerDeps['afterResponse']): UpstreamAbort {
  const abort = new UpstreamAbort();
  const raw = reply.raw;
  raw.once(
    'close',
    bindToCurrentTrace(() => {
      if (!raw.writableFinished) {
        exchange.aborted = true;
        // A platform-key stream reads on to its usage and runs the side work itself when it ends.
        if (exchange.drain?.start() === true) return;
        abort.abort(new Error('the client closed the connection'));
      }
      afterResponse(exchange, raw.statusCode);
    }),
  );
  return abort;
}

/** The upstream call through the target's pool, with its span when the request is traced. */
async function callUpstream(target: UpstreamTarget, built: UpstreamRequest, exchange: Exchange, abort: UpstreamAbort, tracing: boolean): Promise<Dispatcher.ResponseData> {
  const call = () => target.pool.request({ path: pathBelow(target, built.url), method: 'POST', headers: built.headers, body: built.body, signal: abort });
  exchange.upstreamSentAt = performance.now();
  if (tracing) {
    exchange.span = startProxySpan({ provider: exchange.provider, requestedModel: exchange.requestedModel, upstreamModel: exchange.upstreamModel, credentialSource: exchange.credentialSource, keyId: exchange.keyId, stream: exchange.stream });
  }
  const upstream = await (exchange.span === undefined ? call() : withoutCallSpan(call));
  exchange.upstreamAnsweredAt = performance.now();
  exchange.upstreamStatus = upstream.statusCode;
  return upstream;
}

interface AnswerInput {
  reply: FastifyReply;
  target: UpstreamTarget;
  body: OpenAIChatRequest;
  exchange: Exchange;
  scrub: MessageScrubber;
  echo: KeyEchoGuard | undefined;
  routes: UserRoutes;
  abort: UpstreamAbort;
  deps: ChatHandlerDeps;
}

/** Turns the upstream's answer into the client's: a completion, a stream, or an error. */
async function answer(upstream: Dispatcher.ResponseData, input: AnswerInput): Promise<unknown> {
  const { reply, target, body, exchange, scrub, echo } = input;
  const status = upstream.statusCode;
  if (status >= 200 && status < 300) {
    if (exchange.stream) {
      const drain = exchange.credentialSource === 'system' ? { drains: input.deps.drains, abort: input.abort, afterResponse: input.deps.afterResponse } : undefined;
      return streamCompletion({ reply, upstream, adapter: target.adapter, request: body, exchange, scrub, echo, drain });
    }
    return sendJsonCompletion({ reply, upstream, adapter: target.adapter, dialect: target.provider.chat.dialect, providerName: target.provider.displayName, request: body, exchange, scrub, echo });
  }
  if (status >= 300 && status < 400) {
    upstream.body.dump().catch(() => undefined);
    throw upstreamRedirect(status, target.provider.displayName);
  }
  // Needed only if the upstream refused the key, and looked up only on errors.
  if (exchange.credentialSource !== 'system') exchange.keyVersion = keyVersionOf(input.routes, exchange.provider, exchange.keyId);
  return sendUpstreamError({ reply, upstream, adapter: target.adapter, providerName: target.provider.displayName, exchange, scrub });
}

/** The client left before the answer: there is nobody to answer. */
function abandon(reply: FastifyReply): undefined {
  if (!reply.sent) reply.hijack();
  return undefined;
}

function keyVersionOf(routes: UserRoutes, provider: Exchange['provider'], keyId: string | undefined): number | undefined {
  if (keyId === undefined) return undefined;
  return routes.keys.byProvider.get(provider)?.find((k) => k.keyId === keyId)?.key.keyVersion;
}
