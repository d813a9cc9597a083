import { type ChatAdapter, type MessageScrubber, type OpenAIChatRequest, usageFromOpenAI } from '@byok/providers';
import type { FastifyReply } from 'fastify';
import { MAX_COMPLETION_BYTES } from '../upstream/body-limits.js';
import { readUpstreamBody, type UpstreamResponse } from '../upstream/read-body.js';
import { malformedUpstream } from '../upstream/upstream-errors.js';
import type { Exchange } from './exchange.js';
import type { KeyEchoGuard } from './key-echo.js';
import { sendChatError } from './send-chat-error.js';

export interface JsonCompletionInput {
  reply: FastifyReply;
  upstream: UpstreamResponse;
  adapter: ChatAdapter;
  dialect: string;
  providerName: string;
  request: OpenAIChatRequest;
  exchange: Exchange;
  scrub: MessageScrubber;
  /** Platform keys: hides the key if the upstream echoed it into the answer. */
  echo?: KeyEchoGuard | undefined;
}

/**
 * A non-streamed 2xx: parsed once (usage, and OpenRouter's errors delivered with a 200), then
 * sent. An OpenAI-dialect body that is already a complete `chat.completion` goes out as the bytes
 * upstream sent; only bodies the adapter translates or completes are serialised again.
 */
export async function sendJsonCompletion(input: JsonCompletionInput): Promise<FastifyReply> {
  const { reply, exchange } = input;
  const { text, truncated } = await readUpstreamBody(input.upstream, MAX_COMPLETION_BYTES);
  let json: unknown;
  try {
    if (truncated) throw new Error('too large');
    json = JSON.parse(text);
  } catch {
    throw malformedUpstream(input.providerName);
  }
  // The common case needs no adapter: an OpenAI-dialect body that is already a complete
  // `chat.completion` goes out as upstream sent it, and only its usage is read.
  if (input.dialect === 'openai' && isCompleteCompletion(json)) {
    exchange.usage = usageFromOpenAI(json.usage);
    return send(reply, exchange, input.echo ? input.echo.body(text) : text);
  }
  const parsed = input.adapter.parseResponse(json, { model: input.request.model, requestId: exchange.requestId, scrub: input.scrub });
  if (!parsed.ok) {
    exchange.statusCode = parsed.error.status;
    return sendChatError(reply, parsed.error, {}, exchange.requestId);
  }
  exchange.usage = parsed.value.usage;
  const body = JSON.stringify(parsed.value.body);
  return send(reply, exchange, input.echo ? input.echo.body(body) : body);
}

function send(reply: FastifyReply, exchange: Exchange, body: string): FastifyReply {
  exchange.firstByteAt = performance.now();
  return reply.code(200).type('application/json; charset=utf-8').send(body);
}

/**
 * The top-level fields the OpenAI adapter would otherwise fill in are all present and typed (an
 * error delivered with a 200, as OpenRouter does, is never one).
 */
function isCompleteCompletion(json: unknown): json is Record<string, unknown> {
  if (typeof json !== 'object' || json === null) return false;
  const body = json as Record<string, unknown>;
  return body.object === 'chat.completion' && typeof body.id === 'string' && typeof body.model === 'string' && typeof body.created === 'number' && Array.isArray(body.choices) && body.error === undefined;
}
