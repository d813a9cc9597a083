import type { MessageScrubber, OpenAIChatRequest, UpstreamRequest } from '@byok/providers';
import { findIndexedKey, keySetsOf, type Routes } from '@byok/routing';
import { bindToCurrentTrace, startProxySpan, withoutCallSpan } from '@byok/telemetry';
import type { FastifyReply } from 'fastify';
import type { Dispatcher } from 'undici';
import type { StreamBudgetCheck } from '../budgets/stream-budget.js';
import { discardUpstreamBody, isBuffered, type UpstreamResponse } from '../upstream/read-body.js';
import { upstreamRedirect } from '../upstream/upstream-errors.js';
import { pathBelow, type UpstreamTarget } from '../upstream/upstream-targets.js';
import { BufferedAnswer } from './buffered-answer.js';
import type { Exchange } from './exchange.js';
import { sendJsonCompletion } from './json-completion.js';
import type { KeyEchoGuard } from './key-echo.js';
import { streamCompletion } from './stream-completion.js';
import type { StreamDrains } from './stream-drain.js';
import { UpstreamAbort } from './upstream-abort.js';
import { sendUpstreamError } from './upstream-error-response.js';

/** Runs once per request, after its response has ended. */
export type AfterResponse = (exchange: Exchange, responseStatus: number) => void;

/**
 * Runs the side work once the response has ended, and aborts the upstream request when the
 * client goes away before its answer is complete. Node emits `close` outside the request's trace
 * context; the listener is bound to it so the usage event links to the request's span (without an
 * SDK the listener is not wrapped).
 */
export function watchClient(reply: FastifyReply, exchange: Exchange, afterResponse: AfterResponse): UpstreamAbort {
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

/**
 * The upstream call through the target's pool, with its span when the request is traced.
 * `headersTimeoutMs` shortens the pool's wait for headers (an attempt another key could take over).
 * A stream's answer comes back as soon as its headers do, its body still a stream; any other
 * answer is read whole first (`BufferedAnswer`). Either way the exchange has the time and status
 * of the headers when they came.
 */
export function callUpstream(
  target: UpstreamTarget,
  built: UpstreamRequest,
  exchange: Exchange,
  abort: UpstreamAbort,
  tracing: boolean,
  headersTimeoutMs?: number,
): Promise<UpstreamResponse> {
  const options: Dispatcher.DispatchOptions = { path: pathBelow(target, built.url), method: 'POST', headers: built.headers, body: built.body };
  if (headersTimeoutMs !== undefined) options.headersTimeout = headersTimeoutMs;
  exchange.upstreamSentAt = performance.now();
  if (tracing && exchange.span === undefined) {
    exchange.span = startProxySpan({ provider: exchange.provider, requestedModel: exchange.requestedModel, upstreamModel: exchange.upstreamModel, credentialSource: exchange.credentialSource, keyId: exchange.keyId, stream: exchange.stream });
  }
  if (exchange.stream) return requestStreamed(target, { ...options, signal: abort }, exchange);
  const handler = new BufferedAnswer(exchange, abort);
  // No closure unless traced: a named function made per request also costs tsx's `__name` call.
  if (exchange.span === undefined) target.pool.dispatch(options, handler);
  else withoutCallSpan(() => target.pool.dispatch(options, handler));
  return handler.promise;
}

/** A stream's call: back when the headers come, the body still a stream. */
async function requestStreamed(target: UpstreamTarget, options: Dispatcher.RequestOptions, exchange: Exchange): Promise<Dispatcher.ResponseData> {
  const upstream = await (exchange.span === undefined ? target.pool.request(options) : withoutCallSpan(() => target.pool.request(options)));
  exchange.upstreamAnsweredAt = performance.now();
  exchange.upstreamStatus = upstream.statusCode;
  return upstream;
}

export interface AnswerInput {
  reply: FastifyReply;
  target: UpstreamTarget;
  body: OpenAIChatRequest;
  exchange: Exchange;
  scrub: MessageScrubber;
  echo: KeyEchoGuard | undefined;
  routes: Routes;
  abort: UpstreamAbort;
  drains: StreamDrains;
  afterResponse: AfterResponse;
  /** A budgeted stream's check, run after every chunk. */
  budgetCheck: StreamBudgetCheck | undefined;
}

/** Turns the upstream's answer into the client's: a completion, a stream, or an error. */
export async function answer(upstream: UpstreamResponse, input: AnswerInput): Promise<unknown> {
  const { reply, target, body, exchange, scrub, echo } = input;
  const status = upstream.statusCode;
  if (status >= 200 && status < 300) {
    if (!isBuffered(upstream)) {
      const drain = exchange.credentialSource === 'system' ? { drains: input.drains, abort: input.abort, afterResponse: input.afterResponse } : undefined;
      const budget = input.budgetCheck === undefined ? undefined : { check: input.budgetCheck, abort: input.abort };
      return streamCompletion({ reply, upstream, adapter: target.adapter, request: body, exchange, scrub, echo, drain, budget });
    }
    return sendJsonCompletion({ reply, upstream, adapter: target.adapter, dialect: target.provider.chat.dialect, providerName: target.provider.displayName, request: body, exchange, scrub, echo });
  }
  if (status >= 300 && status < 400) {
    discardUpstreamBody(upstream);
    throw upstreamRedirect(status, target.provider.displayName);
  }
  // Needed only if the upstream refused the key, and looked up only on errors.
  if (exchange.credentialSource !== 'system') exchange.keyVersion = keyVersionOf(input.routes, exchange.provider, exchange.keyId);
  return sendUpstreamError({ reply, upstream, adapter: target.adapter, providerName: target.provider.displayName, exchange, scrub });
}

/** The client left before the answer: there is nobody to answer. */
export function abandon(reply: FastifyReply): undefined {
  if (!reply.sent) reply.hijack();
  return undefined;
}

export function keyVersionOf(routes: Routes, provider: Exchange['provider'], keyId: string | undefined): number | undefined {
  if (keyId === undefined) return undefined;
  return findIndexedKey(keySetsOf(routes.keys), provider, keyId)?.key.keyVersion;
}
