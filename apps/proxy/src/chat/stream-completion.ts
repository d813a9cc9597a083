import { clientWantsStreamUsage, type ChatAdapter, type MessageScrubber, type OpenAIChatRequest } from '@byok/providers';
import type { FastifyReply } from 'fastify';
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { budgetCutEnding, type StreamBudgetCheck } from '../budgets/stream-budget.js';
import { tokensForBytes } from '../pricing/token-estimate.js';
import { isUpstreamTimeout } from '../upstream/upstream-errors.js';
import type { Exchange } from './exchange.js';
import type { KeyEchoGuard } from './key-echo.js';
import { deltaTextChars } from './relayed-text.js';
import type { StreamDrains } from './stream-drain.js';
import type { UpstreamAbort } from './upstream-abort.js';

export interface StreamCompletionInput {
  reply: FastifyReply;
  upstream: Dispatcher.ResponseData;
  adapter: ChatAdapter;
  request: OpenAIChatRequest;
  exchange: Exchange;
  scrub: MessageScrubber;
  /** Platform keys: hides the key if the upstream echoed it into the stream. */
  echo?: KeyEchoGuard | undefined;
  /** Platform-key streams: read on for the usage after the client left (see `stream-drain.ts`). */
  drain?: { drains: StreamDrains; abort: UpstreamAbort; afterResponse(exchange: Exchange, responseStatus: number): void } | undefined;
  /** Budgeted streams: cut (and the upstream aborted) once the running use passes the hold. */
  budget?: { check: StreamBudgetCheck; abort: UpstreamAbort } | undefined;
}

const SSE_HEADERS: OutgoingHttpHeaders = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  // Tells nginx-style buffering proxies in front of us to pass events on as they come.
  'x-accel-buffering': 'no',
};

/** Status a stream's outcome stands for when it failed after its 200 went out. */
const STREAM_FAILED = 502;
const STREAM_TIMED_OUT = 504;

/**
 * A streamed 2xx: the response is taken over from Fastify, headers go out at once, and every
 * upstream chunk is translated and written as soon as it arrives — nothing is buffered beyond
 * the translator's partial event. Backpressure from a slow client pauses the upstream read. When
 * the translator has sent its last event the client's response ends at once and the rest of the
 * upstream body (normally nothing) is drained so the connection can be reused. A client that
 * leaves aborts the upstream request (the handler's `close` listener).
 */
export async function streamCompletion(input: StreamCompletionInput): Promise<void> {
  const { reply, exchange, upstream } = input;
  const translator = input.adapter.createStreamTranslator({
    model: input.request.model,
    requestId: exchange.requestId,
    clientWantsUsage: clientWantsStreamUsage(input.request),
    scrub: input.scrub,
  });
  exchange.translator = translator;
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { ...(reply.getHeaders() as OutgoingHttpHeaders), ...SSE_HEADERS });
  raw.flushHeaders();
  exchange.firstByteAt = performance.now();
  exchange.statusCode = 200;
  const drain = input.drain === undefined ? undefined : input.drain.drains.create(input.drain.abort, () => input.drain?.afterResponse(exchange, raw.statusCode));
  exchange.drain = drain;
  // Only a platform key's charge, or a budget's count, may need an estimate from the text relayed.
  const countText = exchange.credentialSource === 'system' || exchange.budget !== undefined;
  const budget = input.budget;
  const echo = input.echo?.stream();

  let ended = false;
  const finish = () => {
    ended = true;
    const tail = echo ? echo(translator.end()) : translator.end();
    exchange.usage = translator.usage();
    if (translator.error() !== undefined && exchange.statusCode === 200) exchange.statusCode = STREAM_FAILED;
    if (!raw.destroyed) raw.end(tail);
  };
  try {
    for await (const chunk of upstream.body) {
      drain?.read((chunk as Buffer).length);
      if (ended) continue;
      const pushed = translator.push(chunk as Buffer);
      const out = echo && pushed !== '' ? echo(pushed) : pushed;
      // After the client left (a drained stream) nothing is written, only read for the usage.
      if (out !== '' && !raw.destroyed) {
        if (countText) exchange.relayedChars += deltaTextChars(out);
        if (!raw.write(out)) await drained(raw);
      }
      if (translator.done()) finish();
      else if (budget !== undefined && budgetRanOut(budget.check, exchange)) {
        ended = true;
        cutForBudget(exchange, raw, input.request.model);
        budget.abort.abort(new Error('the budget of this request ran out'));
        break;
      }
    }
  } catch (error) {
    // The upstream broke off or went silent: the translator turns the cut into an error event.
    if (!ended && !exchange.aborted) exchange.statusCode = isUpstreamTimeout(error) ? STREAM_TIMED_OUT : STREAM_FAILED;
  }
  if (!ended) finish();
  drain?.end();
}

/** The running use of a stream: the prompt estimate (or its reported size) and the larger of the reported completion and the relayed text's estimate. */
function budgetRanOut(check: StreamBudgetCheck, exchange: Exchange): boolean {
  const reported = exchange.translator?.usage();
  const promptTokens = Math.max(reported?.promptTokens ?? 0, exchange.budget?.promptTokensEstimate ?? 0);
  const completionTokens = Math.max(reported?.completionTokens ?? 0, tokensForBytes(exchange.relayedChars));
  return check(promptTokens, completionTokens);
}

/** Ends the client's stream with the documented budget ending (see `budgetCutEnding`); the caller aborts the upstream. */
function cutForBudget(exchange: Exchange, raw: ServerResponse, model: string): void {
  exchange.budgetCut = true;
  exchange.usage = exchange.translator?.usage();
  if (!raw.destroyed) raw.end(budgetCutEnding(exchange.requestId, model));
}

/** Resolves when the client can take more, or has gone (the upstream is then being aborted). */
function drained(raw: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      raw.off('drain', done);
      raw.off('close', done);
      resolve();
    };
    raw.on('drain', done);
    raw.on('close', done);
  });
}
