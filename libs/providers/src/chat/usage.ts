import type { ChatUsage } from './chat-adapter.types.js';
import { isRecord, num, rec } from './json-guards.js';
import type { OpenAIUsage } from './openai-wire.types.js';

/**
 * Builds a usage value; the total defaults to prompt + completion when the provider gives none.
 * Cached tokens are recorded only when positive, so "no cache info" and "0 cached" look the same.
 */
export function makeUsage(prompt: number, completion: number, total?: number, cached?: number): ChatUsage {
  const usage: ChatUsage = { promptTokens: prompt, completionTokens: completion, totalTokens: total ?? prompt + completion };
  if (cached !== undefined && cached > 0) usage.cachedPromptTokens = cached;
  return usage;
}

/** Reads an OpenAI-style usage object (`prompt_tokens`, …); undefined unless the counts are numbers. */
export function usageFromOpenAI(value: unknown): ChatUsage | undefined {
  if (!isRecord(value)) return undefined;
  const prompt = num(value.prompt_tokens);
  const completion = num(value.completion_tokens);
  if (prompt === undefined || completion === undefined) return undefined;
  const cached = num(rec(value.prompt_tokens_details)?.cached_tokens);
  return makeUsage(prompt, completion, num(value.total_tokens), cached);
}

/** The OpenAI usage object for a gateway usage value. */
export function toOpenAIUsage(usage: ChatUsage): OpenAIUsage {
  const out: OpenAIUsage = {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.totalTokens,
  };
  if (usage.cachedPromptTokens !== undefined) out.prompt_tokens_details = { cached_tokens: usage.cachedPromptTokens };
  return out;
}
