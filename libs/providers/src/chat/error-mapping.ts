import type { ChatError, ErrorContext, MessageScrubber, StreamError, UpstreamHeaders } from './chat-adapter.types.js';
import { isRecord, parseJson, str } from './json-guards.js';
import { SSE_DONE, sseData } from './sse-format.js';

/**
 * The one place that decides what `type` and `code` a client sees for an upstream HTTP status
 * when the provider's body does not say (OpenRouter, Cohere, HTML pages) or says it in another
 * vocabulary (Anthropic, Gemini). Codes are the stable machine field; types follow OpenAI's style.
 */
interface ErrorClass {
  type: string;
  code: string | null;
}

const BY_STATUS: Readonly<Record<number, ErrorClass>> = {
  400: { type: 'invalid_request_error', code: null },
  401: { type: 'authentication_error', code: 'invalid_api_key' },
  402: { type: 'insufficient_quota', code: 'insufficient_quota' },
  403: { type: 'permission_error', code: 'permission_denied' },
  404: { type: 'invalid_request_error', code: 'not_found' },
  408: { type: 'timeout_error', code: 'timeout' },
  413: { type: 'invalid_request_error', code: 'request_too_large' },
  429: { type: 'rate_limit_error', code: 'rate_limit_exceeded' },
  503: { type: 'server_error', code: 'overloaded' },
  504: { type: 'timeout_error', code: 'timeout' },
};

/** The error class for a status; unknown 5xx are upstream failures, unknown 4xx invalid requests. */
export function classForStatus(status: number): ErrorClass {
  const known = BY_STATUS[status];
  if (known) return known;
  return status >= 500 ? { type: 'server_error', code: 'upstream_error' } : { type: 'invalid_request_error', code: null };
}

/** Options for {@link chatError}. */
export interface ChatErrorOptions {
  type?: string;
  code?: string | number | null;
  retryAfterSeconds?: number;
  scrub?: MessageScrubber;
}

/** An OpenAI-shaped error; type and code default to the status's class. */
export function chatError(status: number, message: string, options: ChatErrorOptions = {}): ChatError {
  const cls = classForStatus(status);
  const error: ChatError = {
    status,
    body: {
      error: {
        message: options.scrub ? options.scrub(message) : message,
        type: options.type ?? cls.type,
        code: options.code === undefined ? cls.code : options.code,
        param: null,
      },
    },
  };
  if (options.retryAfterSeconds !== undefined) error.retryAfterSeconds = options.retryAfterSeconds;
  return error;
}

/** Seconds from a `retry-after` header given as seconds; HTTP-date values are ignored. */
export function retryAfterFrom(headers: UpstreamHeaders | undefined): number | undefined {
  const raw = headers?.['retry-after'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) return undefined;
  const seconds = Number(value.trim());
  return Number.isFinite(seconds) && seconds >= 0 ? Math.ceil(seconds) : undefined;
}

/** True when the text is an HTML page (e.g. an nginx/openresty error page) rather than an API body. */
function looksLikeHtml(text: string): boolean {
  // No JSON body or plain sentence starts with `<`; every markup page (doctype, html, xml) does.
  return text.trimStart().startsWith('<');
}

/** Plain-text bodies longer than this are not shown to clients; they are pages, not messages. */
const MAX_PLAIN_MESSAGE_CHARS = 500;

/**
 * The error for a body no dialect recognised: an HTML page, plain text, or JSON of an unknown
 * shape. The message never contains HTML; a rejected key gets a clean sentence naming the provider.
 */
export function fallbackError(status: number, bodyText: string, ctx: ErrorContext = {}): ChatError {
  const provider = ctx.providerName ?? 'The provider';
  const options = { retryAfterSeconds: retryAfterFrom(ctx.headers), scrub: ctx.scrub };
  const text = bodyText.trim();
  let message: string;
  if (status === 401) message = `${provider} rejected the API key`;
  else if (text !== '' && !looksLikeHtml(text) && text.length <= MAX_PLAIN_MESSAGE_CHARS && parseJson(text) === undefined) {
    message = text;
  } else message = `${provider} returned HTTP ${status}`;
  return chatError(status, message, options);
}

/**
 * Reads the loosely OpenAI-shaped `{message, type?, code?}` record that OpenAI, OpenRouter, Groq,
 * Together and Perplexity all use inside `error`, for a given status. A `type` from upstream is
 * kept; a string `code` is kept; a numeric or null `code` (OpenRouter, Perplexity, OpenAI's 5xx)
 * becomes the status's machine code, so clients can rely on `code` whenever the status has one.
 */
export function errorFromOpenAIRecord(
  status: number,
  record: Record<string, unknown>,
  options: Pick<ChatErrorOptions, 'retryAfterSeconds' | 'scrub'> = {},
): ChatError {
  const cls = classForStatus(status);
  const message = str(record.message) ?? `Upstream error (HTTP ${status})`;
  const code = str(record.code) ?? cls.code;
  return chatError(status, message, { ...options, type: str(record.type) ?? cls.type, code });
}

/** The status an error record implies: its numeric `code` when that is an HTTP status, else `fallback`. */
export function statusFromRecord(record: Record<string, unknown>, fallback: number): number {
  const code = record.code;
  return typeof code === 'number' && Number.isInteger(code) && code >= 400 && code <= 599 ? code : fallback;
}

/** The SSE text that reports a mid-stream error to an OpenAI client and ends the stream. */
export function streamErrorEvent(error: StreamError): string {
  return sseData(JSON.stringify({ error: { ...error, param: null } })) + SSE_DONE;
}

/** A {@link StreamError} from a gateway error body, for translators. */
export function toStreamError(error: ChatError): StreamError {
  const { message, type, code } = error.body.error;
  return { message, type, code };
}

/** The stream error used when upstream closed before finishing; the client must not take the text as complete. */
export function truncatedStreamError(): StreamError {
  return { message: 'The upstream stream ended before the response was complete', type: 'server_error', code: 'upstream_stream_truncated' };
}

/** Whether a parsed value is `{ error: <record> }`, the shape every provider uses for mid-stream errors. */
export function errorRecordOf(value: unknown): Record<string, unknown> | undefined {
  if (!isRecord(value)) return undefined;
  const error = value.error;
  if (isRecord(error)) return error;
  if (typeof error === 'string') return { message: error };
  return undefined;
}
