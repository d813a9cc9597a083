import type { ChatUsage } from './chat-adapter.types.js';
import { isRecord, num, rec } from './json-guards.js';
import type { OpenAIUsage } from './openai-wire.types.js';

/**
 * The most tokens one reported count may say. No model's context or answer comes near it; a
 * provider that reports more, a fraction or a negative count is broken or hostile, and its number
 * must not break what is computed from it: a fraction or a count past 2^53 fails the usage event's
 * integer schema (the event would be dropped and the request go unpaid), and a cost computed from
 * an absurd count overflows the counters and Postgres's bigint.
 */
export const MAX_REPORTED_TOKENS = 1_000_000_000;

/** A reported count as a whole number of tokens: fractions round up, negatives are 0, at most `MAX_REPORTED_TOKENS`. */
function tokenCount(count: number): number {
  return Math.min(Math.max(0, Math.ceil(count)), MAX_REPORTED_TOKENS);
}

/**
 * Builds a usage value from a provider's counts (each made a whole number within
 * `MAX_REPORTED_TOKENS`); the total defaults to prompt + completion when the provider gives none.
 * Cached tokens are recorded only when positive, so "no cache info" and "0 cached" look the same.
 */
export function makeUsage(prompt: number, completion: number, total?: number, cached?: number): ChatUsage {
  const promptTokens = tokenCount(prompt);
  const completionTokens = tokenCount(completion);
  const usage: ChatUsage = { promptTokens, completionTokens, totalTokens: total === undefined ? promptTokens + completionTokens : tokenCount(total) };
  if (cached !== undefined && cached > 0) usage.cachedPromptTokens = tokenCount(cached);
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
