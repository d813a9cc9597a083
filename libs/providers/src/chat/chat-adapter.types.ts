import type { AuthScheme, ChatSpec } from '../types.js';
import type { OpenAIChatRequest } from './chat-request.schema.js';
import type { OpenAIChatCompletion, OpenAIErrorBody } from './openai-wire.types.js';

/**
 * The contract between the proxy and a chat dialect. Adapters are pure: they never do I/O, they
 * turn an OpenAI request into an upstream request and upstream bytes back into OpenAI bytes.
 */

/** Everything needed to send one upstream HTTP request. */
export interface UpstreamRequest {
  url: string;
  method: 'POST';
  /** Lower-case header names; includes the credential, so never log this object as is. */
  headers: Record<string, string>;
  body: string;
}

/** Token usage as the gateway records it. `promptTokens` includes cached prompt tokens. */
export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** Prompt tokens served from the provider's cache, when the provider says. Already in `promptTokens`. */
  cachedPromptTokens?: number;
}

/** An error to send to the client: the HTTP status and an OpenAI-shaped body. */
export interface ChatError {
  status: number;
  body: OpenAIErrorBody;
  /** From the upstream `retry-after` header or Gemini's `RetryInfo`; the proxy may forward it. */
  retryAfterSeconds?: number;
}

/** An expected failure is a value, not an exception. */
export type ChatResult<T> = { ok: true; value: T } | { ok: false; error: ChatError };

/** Rewrites a message before it reaches the client, e.g. to mask anything that looks like a key. */
export type MessageScrubber = (message: string) => string;

/** Input of {@link ChatAdapter.buildRequest}. */
export interface BuildRequestInput {
  /** The client's validated request. */
  request: OpenAIChatRequest;
  /** The model id the provider expects (the gateway prefix already removed). */
  upstreamModel: string;
  apiKey: string;
  /** The provider's base URL, e.g. `https://api.openai.com/v1`; `spec.path` is appended. */
  baseUrl: string;
  spec: ChatSpec;
  /** The provider's default auth; `spec.auth` wins when set. */
  auth: AuthScheme;
}

/** What the adapter needs to shape a response for the client. */
export interface ResponseContext {
  /** The model name to report to the client (translated dialects; see README for `openai`). */
  model: string;
  /** The gateway's request id; used as the completion id when upstream gives none. */
  requestId: string;
  /** Unix seconds for `created`; defaults to now. Tests pin it. */
  createdAt?: number;
  scrub?: MessageScrubber;
}

/** What a non-streamed response parses into. */
export interface ParsedCompletion {
  body: OpenAIChatCompletion;
  usage?: ChatUsage;
}

/** Input of {@link ChatAdapter.createStreamTranslator}. */
export interface StreamContext extends ResponseContext {
  /** The client sent `stream_options.include_usage: true`; only then does it get a usage chunk. */
  clientWantsUsage: boolean;
}

/** Upstream response headers as undici's `request()` returns them. */
export type UpstreamHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** Input of {@link ChatAdapter.parseError}. */
export interface ErrorContext {
  /** Display name used in messages that replace unusable bodies, e.g. "Perplexity". */
  providerName?: string;
  headers?: UpstreamHeaders;
  scrub?: MessageScrubber;
}

/** A mid-stream error, as it was sent to the client. */
export interface StreamError {
  message: string;
  type: string;
  code: string | number | null;
}

/**
 * Turns an upstream SSE byte stream into OpenAI SSE text, incrementally. One per request.
 * Chunks may split events anywhere, including inside a UTF-8 character or between `\r` and `\n`.
 */
export interface StreamTranslator {
  /** Feeds raw upstream bytes; returns the OpenAI SSE text to write now (often `''`). */
  push(chunk: Uint8Array): string;
  /**
   * The upstream body ended. Returns the final text: the usage chunk (if asked for) and
   * `data: [DONE]` when not yet sent, or an error event when upstream stopped before finishing.
   * Safe to call once; later `push` calls return `''`.
   */
  end(): string;
  /** Usage captured so far; complete once the stream has finished. */
  usage(): ChatUsage | undefined;
  /** The last finish reason seen (OpenAI vocabulary for translated dialects). */
  finishReason(): string | undefined;
  /** Set when upstream reported an error mid-stream or the stream was cut short. */
  error(): StreamError | undefined;
  /** True once `data: [DONE]` has been produced; the proxy may stop reading upstream. */
  done(): boolean;
}

/** One chat dialect. Selected by `ChatSpec.dialect`, never by provider id. */
export interface ChatAdapter {
  /** OpenAI request → upstream request. Fails with a 400 for input the dialect cannot express. */
  buildRequest(input: BuildRequestInput): ChatResult<UpstreamRequest>;
  /**
   * A 2xx upstream JSON body → OpenAI `chat.completion`. Fails when the body is unusable or is an
   * error delivered with a 2xx (OpenRouter does this).
   */
  parseResponse(json: unknown, ctx: ResponseContext): ChatResult<ParsedCompletion>;
  createStreamTranslator(ctx: StreamContext): StreamTranslator;
  /** A non-2xx upstream response → the error to send to the client. Never returns HTML. */
  parseError(status: number, bodyText: string, ctx?: ErrorContext): ChatError;
}
