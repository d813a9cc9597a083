import type { ChatAdapter, ChatError, MessageScrubber } from '@byok/providers';
import type { FastifyReply } from 'fastify';
import { MAX_ERROR_BODY_BYTES } from '../upstream/body-limits.js';
import { readUpstreamBody, type UpstreamResponse } from '../upstream/read-body.js';
import type { Exchange } from './exchange.js';
import { sendChatError } from './send-chat-error.js';

export interface UpstreamErrorInput {
  reply: FastifyReply;
  upstream: UpstreamResponse;
  adapter: ChatAdapter;
  providerName: string;
  exchange: Exchange;
  scrub: MessageScrubber;
}

/** An upstream error read and translated, ready to relay (or to keep while another key is tried). */
export interface UpstreamError {
  /** The OpenAI-shaped error with the status the gateway relays. */
  error: ChatError;
  upstreamStatus: number;
  /** The upstream refused the key (401/403, or Gemini's 400 API_KEY_INVALID). */
  keyRejected: boolean;
}

/**
 * Reads an upstream 4xx/5xx and makes it the adapter's OpenAI-shaped error with the status it maps
 * to (usually upstream's own), its message scrubbed of the key.
 */
export async function readUpstreamError(input: Omit<UpstreamErrorInput, 'reply' | 'exchange'>): Promise<UpstreamError> {
  const { upstream } = input;
  const { text } = await readUpstreamBody(upstream, MAX_ERROR_BODY_BYTES);
  const error = input.adapter.parseError(upstream.statusCode, text, { providerName: input.providerName, headers: upstream.headers, scrub: input.scrub });
  // Gemini refuses a key with 400 API_KEY_INVALID, which the adapter maps to 401, so both
  // statuses are read.
  const keyRejected = refusesKey(upstream.statusCode) || refusesKey(error.status);
  return { error: { ...error, status: gatewayStatus(error.status) }, upstreamStatus: upstream.statusCode, keyRejected };
}

/** Sends an upstream error read by `readUpstreamError`; the upstream's own status travels in `x-byok-upstream-status`. */
export function relayUpstreamError(reply: FastifyReply, exchange: Exchange, read: UpstreamError): FastifyReply {
  if (read.keyRejected) exchange.keyRejected = true;
  exchange.statusCode = read.error.status;
  return sendChatError(reply, read.error, { 'x-byok-upstream-status': String(read.upstreamStatus) }, exchange.requestId);
}

/**
 * An upstream 4xx/5xx becomes the adapter's OpenAI-shaped error with the status it maps to
 * (usually upstream's own), its message scrubbed of the key. The upstream's own status travels in
 * `x-byok-upstream-status`.
 */
export async function sendUpstreamError(input: UpstreamErrorInput): Promise<FastifyReply> {
  return relayUpstreamError(input.reply, input.exchange, await readUpstreamError(input));
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
