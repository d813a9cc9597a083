import type { ChatError, ErrorContext } from '../chat-adapter.types.js';
import { errorFromOpenAIRecord, errorRecordOf, fallbackError, retryAfterFrom } from '../error-mapping.js';
import { isRecord, parseJson, str } from '../json-guards.js';

/**
 * Error bodies of the OpenAI-compatible providers:
 * - OpenAI, Groq, Together: `{"error":{message,type,param,code}}` — kept as is.
 * - OpenRouter: `{"error":{code:<int>,message}}` — type and code from the status (402 → insufficient_quota).
 * - Perplexity: JSON `{"error":{message,type,code:401}}`, or an openresty HTML page on 401.
 * - Cohere: `{"message":"invalid api token"}`.
 * The upstream status is kept: each of these providers already uses the status OpenAI would.
 */
export function parseOpenAIError(status: number, bodyText: string, ctx: ErrorContext = {}): ChatError {
  const json = parseJson(bodyText);
  const options = { retryAfterSeconds: retryAfterFrom(ctx.headers), scrub: ctx.scrub };
  const errorRecord = errorRecordOf(json);
  if (errorRecord) return errorFromOpenAIRecord(status, errorRecord, options);
  if (isRecord(json)) {
    const message = str(json.message) ?? str(json.detail);
    if (message !== undefined) return errorFromOpenAIRecord(status, { message }, options);
  }
  return fallbackError(status, bodyText, ctx);
}
