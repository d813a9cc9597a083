import type { OpenAIChatRequest } from '@byok/providers';

/**
 * Token estimates for when the upstream's count is not there (yet): the credit reservation before
 * the call, and the charge of a request whose usage never arrived. About four bytes of UTF-8 make
 * a token in English text (fewer in other scripts, where a token is often a single character of
 * three bytes), so the estimate leans towards reserving too much rather than too little.
 */
const BYTES_PER_TOKEN = 4;

/** Tokens for `bytes` bytes of UTF-8 text, rounded up. */
export function tokensForBytes(bytes: number): number {
  return Math.ceil(bytes / BYTES_PER_TOKEN);
}

/**
 * The prompt's tokens: its messages and tools as JSON, whose keys and punctuation stand in for the
 * few tokens providers add per message.
 */
export function estimatePromptTokens(request: OpenAIChatRequest): number {
  const tools = request.tools === undefined || request.tools === null ? 0 : Buffer.byteLength(JSON.stringify(request.tools));
  return tokensForBytes(Buffer.byteLength(JSON.stringify(request.messages)) + tools);
}

/** The completion tokens a request may produce: its own cap (or the configured default) per choice. */
export function completionTokenCap(request: OpenAIChatRequest, defaultMaxTokens: number): number {
  return (request.max_completion_tokens ?? request.max_tokens ?? defaultMaxTokens) * (request.n ?? 1);
}
