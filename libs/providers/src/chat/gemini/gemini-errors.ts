import type { ChatError, ErrorContext } from '../chat-adapter.types.js';
import { type ChatErrorOptions, chatError, errorRecordOf, fallbackError, retryAfterFrom } from '../error-mapping.js';
import { arr, num, parseJson, rec, str } from '../json-guards.js';

/** gRPC status names Google uses in `error.status` → the HTTP status the client sees. */
const HTTP_BY_GRPC: Readonly<Record<string, number>> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  OUT_OF_RANGE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  RESOURCE_EXHAUSTED: 429,
  CANCELLED: 499,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

// Google reports a bad key as 400 INVALID_ARGUMENT; the reason (or, failing that, the wording)
// tells it apart from a bad request so clients get the 401 every other provider gives.
const INVALID_KEY_REASONS = new Set(['API_KEY_INVALID', 'API_KEY_NOT_FOUND']);
const INVALID_KEY_MESSAGE = /API key (not valid|not found)/i;

/** The `reason` of each `google.rpc.ErrorInfo` detail. */
function reasonsOf(details: unknown): string[] {
  return arr(details).flatMap((d) => {
    const reason = str(rec(d)?.reason);
    return reason === undefined ? [] : [reason];
  });
}

/** Seconds from a `google.rpc.RetryInfo` detail's `retryDelay` ("12s", "0.5s"). */
function retryDelayOf(details: unknown): number | undefined {
  for (const detail of arr(details)) {
    const delay = str(rec(detail)?.retryDelay);
    const match = delay === undefined ? null : /^(\d+(?:\.\d+)?)s$/.exec(delay);
    if (match?.[1] !== undefined) return Math.ceil(Number(match[1]));
  }
  return undefined;
}

/** The gateway error for Google's `error` record `{code, message, status, details}`. */
export function errorFromGeminiRecord(
  httpStatus: number,
  record: Record<string, unknown>,
  options: Pick<ChatErrorOptions, 'retryAfterSeconds' | 'scrub'> = {},
): ChatError {
  const message = str(record.message) ?? `Gemini error (HTTP ${httpStatus})`;
  const grpc = str(record.status);
  const retryAfterSeconds = retryDelayOf(record.details) ?? options.retryAfterSeconds;
  const opts = { scrub: options.scrub, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) };
  if (reasonsOf(record.details).some((r) => INVALID_KEY_REASONS.has(r)) || INVALID_KEY_MESSAGE.test(message)) {
    return chatError(401, message, opts);
  }
  const status = (grpc !== undefined ? HTTP_BY_GRPC[grpc] : undefined) ?? num(record.code) ?? httpStatus;
  return chatError(status, message, opts);
}

/** Parses Google's error envelope, alone or as the first element of an array (non-SSE streams). */
export function parseGeminiError(status: number, bodyText: string, ctx: ErrorContext = {}): ChatError {
  const json = parseJson(bodyText);
  const record = errorRecordOf(Array.isArray(json) ? json[0] : json);
  if (!record) return fallbackError(status, bodyText, ctx);
  return errorFromGeminiRecord(status, record, { retryAfterSeconds: retryAfterFrom(ctx.headers), scrub: ctx.scrub });
}

