import { describe, expect, it } from 'vitest';
import type { ProviderId } from '../types.js';
import { detectProvider, toOpenRouterModel } from './model-detection.js';

type Row = [model: string, provider: ProviderId | 'unknown', upstream?: string, explicit?: boolean];

const DETECTION: Row[] = [
  // Explicit gateway prefixes win and are removed.
  ['openai/gpt-4o-mini', 'openai', 'gpt-4o-mini', true],
  ['groq/llama-3.1-8b-instant', 'groq', 'llama-3.1-8b-instant', true],
  ['groq/openai/gpt-oss-120b', 'groq', 'openai/gpt-oss-120b', true],
  ['openrouter/x/y', 'openrouter', 'x/y', true],
  ['openrouter/meta-llama/llama-3.3-70b-instruct:free', 'openrouter', 'meta-llama/llama-3.3-70b-instruct:free', true],
  ['google/gemini-2.0-flash', 'google', 'gemini-2.0-flash', true],
  ['anthropic/claude-3-5-sonnet', 'anthropic', 'claude-3-5-sonnet', true],
  ['together/meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo', 'together', 'meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo', true],
  ['cohere/command-r-plus', 'cohere', 'command-r-plus', true],
  ['perplexity/sonar-pro', 'perplexity', 'sonar-pro', true],
  ['OpenAI/gpt-4o', 'openai', 'gpt-4o', true],
  // Unambiguous bare prefixes.
  ['gpt-4o-mini', 'openai', 'gpt-4o-mini', false],
  ['o1-mini', 'openai', 'o1-mini', false],
  ['o3', 'openai', 'o3', false],
  ['o4-mini', 'openai', 'o4-mini', false],
  ['chatgpt-4o-latest', 'openai', 'chatgpt-4o-latest', false],
  ['ft:gpt-4o-mini:acme::abc123', 'openai', 'ft:gpt-4o-mini:acme::abc123', false],
  ['claude-opus-4-6', 'anthropic', 'claude-opus-4-6', false],
  ['gemini-2.5-flash', 'google', 'gemini-2.5-flash', false],
  ['palm-2', 'google', 'palm-2', false],
  ['command-a-03-2025', 'cohere', 'command-a-03-2025', false],
  ['sonar', 'perplexity', 'sonar', false],
  ['sonar-deep-research', 'perplexity', 'sonar-deep-research', false],
  ['r1-1776', 'perplexity', 'r1-1776', false],
  // Ambiguous or unknown: never a guess.
  ['meta-llama/llama-3.3-70b-instruct', 'unknown'],
  ['mistralai/Mixtral-8x7B-Instruct-v0.1', 'unknown'],
  ['llama-3.1-8b-instant', 'unknown'],
  ['mixtral-8x7b', 'unknown'],
  ['gpt-x/weird', 'unknown'],
  ['openai/', 'unknown'],
  ['', 'unknown'],
];

describe('detectProvider', () => {
  it.each(DETECTION)('%s → %s', (model, provider, upstreamModel, explicit) => {
    const expected = provider === 'unknown' ? { provider } : { provider, upstreamModel, explicit };
    expect(detectProvider(model)).toEqual(expected);
  });
});

const OPENROUTER: Array<[provider: ProviderId | 'unknown', model: string, slug: string]> = [
  ['openai', 'gpt-4o-mini', 'openai/gpt-4o-mini'],
  ['anthropic', 'claude-3-5-sonnet', 'anthropic/claude-3-5-sonnet'],
  ['google', 'gemini-2.0-flash', 'google/gemini-2.0-flash'],
  ['cohere', 'command-r-plus', 'cohere/command-r-plus'],
  ['perplexity', 'sonar', 'perplexity/sonar'],
  ['openai', 'openai/gpt-4o-mini', 'openai/gpt-4o-mini'],
  ['google', 'google/gemini-2.0-flash', 'google/gemini-2.0-flash'],
  ['openrouter', 'openrouter/x/y', 'x/y'],
  ['unknown', 'meta-llama/llama-3.3-70b-instruct', 'meta-llama/llama-3.3-70b-instruct'],
  ['unknown', 'meta-llama/llama-3.3-70b-instruct:free', 'meta-llama/llama-3.3-70b-instruct:free'],
  ['unknown', 'gpt-4o-mini', 'openai/gpt-4o-mini'],
  ['groq', 'groq/llama-3.1-8b-instant', 'llama-3.1-8b-instant'],
  ['unknown', 'llama-3.1-8b-instant', 'llama-3.1-8b-instant'],
];

describe('toOpenRouterModel', () => {
  it.each(OPENROUTER)('(%s, %s) → %s', (provider, model, slug) => {
    expect(toOpenRouterModel(provider, model)).toBe(slug);
  });
});
