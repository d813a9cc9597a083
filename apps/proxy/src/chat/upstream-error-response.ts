import type { ChatAdapter, MessageScrubber } from '@byok/providers';
import type { FastifyReply } from 'fastify';
import type { Dispatcher } from 'undici';
import { readUpstreamBody } from '../upstream/read-body.js';
import type { Exchange } from './exchange.js';
import { sendChatError } from './send-chat-error.js';

/** Error bodies are short; anything longer is a page, and only its start is worth reading. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

export interface UpstreamErrorInput {
  reply: FastifyReply;
  upstream: Dispatcher.ResponseData;
  adapter: ChatAdapter;
  providerName: string;
  exchange: Exchange;
  scrub: MessageScrubber;
}

/**
 * An upstream 4xx/5xx becomes the adapter's OpenAI-shaped error with the status it maps to
 * (usually upstream's own), its message scrubbed of the key. The upstream's own status travels in
 * `x-byok-upstream-status`.
 */
export async function sendUpstreamError(input: UpstreamErrorInput): Promise<FastifyReply> {
  const { upstream, exchange } = input;
  const { text } = await readUpstreamBody(upstream, MAX_ERROR_BODY_BYTES);
  const error = input.adapter.parseError(upstream.statusCode, text, { providerName: input.providerName, headers: upstream.headers, scrub: input.scrub });
  // Gemini refuses a key with 400 API_KEY_INVALID, which the adapter maps to 401, so both
  // statuses are read.
  if (refusesKey(upstream.statusCode) || refusesKey(error.status)) exchange.keyRejected = true;
  const relayed = { ...error, status: gatewayStatus(error.status) };
  exchange.statusCode = relayed.status;
  return sendChatError(input.reply, relayed, { 'x-byok-upstream-status': String(upstream.statusCode) }, exchange.requestId);
}

/**
 * 4xx, 502, 503 and 504 keep their meaning when relayed; any other upstream 5xx becomes 502,
 * because a gateway's 500 means a bug in the gateway (that is what its alerts watch for), while
 * OpenAI clients retry 502 exactly as they retry 500.
 */
function gatewayStatus(status: number): number {
  return status >= 500 && status !== 502 && status !== 503 && status !== 504 ? 502 : status;
}

function refusesKey(status: number): boolean {
  return status === 401 || status === 403;
}
