import type { ChatError, ErrorContext } from '../chat-adapter.types.js';
import { type ChatErrorOptions, chatError, errorRecordOf, fallbackError, retryAfterFrom } from '../error-mapping.js';
import { parseJson, str } from '../json-guards.js';

/**
 * Anthropic error types → the status the client sees. Most keep Anthropic's status. Two change:
 * `overloaded_error` (HTTP 529, which generic HTTP tooling does not know) becomes 503 — OpenAI
 * SDKs retry either; and a 400 "credit balance is too low" becomes 402 insufficient_quota, because
 * it is a billing problem the user must fix, not a malformed request.
 */
const STATUS_BY_TYPE: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  overloaded_error: 503,
};

const LOW_CREDIT = /credit balance is too low/i;

/** The gateway error for Anthropic's `error` record `{type, message}` received with `status`. */
export function errorFromAnthropicRecord(
  status: number,
  record: Record<string, unknown>,
  options: Pick<ChatErrorOptions, 'retryAfterSeconds' | 'scrub'> = {},
): ChatError {
  const type = str(record.type);
  const message = str(record.message) ?? `Anthropic error (HTTP ${status})`;
  let mapped = (type !== undefined ? STATUS_BY_TYPE[type] : undefined) ?? status;
  if (status === 529) mapped = 503;
  if (LOW_CREDIT.test(message)) mapped = 402;
  return chatError(mapped, message, options);
}

/** Parses `{"type":"error","error":{"type","message"},"request_id"}`; other bodies fall back. */
export function parseAnthropicError(status: number, bodyText: string, ctx: ErrorContext = {}): ChatError {
  const record = errorRecordOf(parseJson(bodyText));
  if (!record) return fallbackError(status === 529 ? 503 : status, bodyText, ctx);
  return errorFromAnthropicRecord(status, record, { retryAfterSeconds: retryAfterFrom(ctx.headers), scrub: ctx.scrub });
}
