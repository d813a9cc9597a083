import { describe, expect, it } from 'vitest';
import { usageFromAnthropic } from './anthropic/anthropic-response.js';
import { MAX_REPORTED_TOKENS, usageFromOpenAI } from './usage.js';

describe('usage a provider reports', () => {
  it('is read as it is when the counts are whole numbers', () => {
    expect(usageFromOpenAI({ prompt_tokens: 12, completion_tokens: 30, total_tokens: 42, prompt_tokens_details: { cached_tokens: 4 } })).toEqual({ promptTokens: 12, completionTokens: 30, totalTokens: 42, cachedPromptTokens: 4 });
  });

  it('becomes whole, non-negative and bounded when a broken or hostile upstream says otherwise, so the request is still charged', () => {
    expect(usageFromOpenAI({ prompt_tokens: 12.2, completion_tokens: 1e300, total_tokens: -5 })).toEqual({ promptTokens: 13, completionTokens: MAX_REPORTED_TOKENS, totalTokens: 0 });
    expect(usageFromOpenAI({ prompt_tokens: -40, completion_tokens: Number.MAX_SAFE_INTEGER + 2 })).toEqual({ promptTokens: 0, completionTokens: MAX_REPORTED_TOKENS, totalTokens: MAX_REPORTED_TOKENS });
    expect(usageFromAnthropic({ input_tokens: 0.5, cache_read_input_tokens: 1e20 }, 7.1)).toEqual({ promptTokens: MAX_REPORTED_TOKENS, completionTokens: 8, totalTokens: MAX_REPORTED_TOKENS + 8, cachedPromptTokens: MAX_REPORTED_TOKENS });
    for (const usage of [usageFromOpenAI({ prompt_tokens: 1e308, completion_tokens: 1e308 })]) {
      expect(Number.isSafeInteger(usage?.promptTokens)).toBe(true);
      expect(Number.isSafeInteger(usage?.totalTokens)).toBe(true);
    }
  });
});
