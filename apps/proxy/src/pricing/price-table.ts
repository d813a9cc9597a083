import { readFileSync } from 'node:fs';
import { PROVIDER_IDS, type ProviderId } from '@byok/providers';
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';

/**
 * What the platform charges for system-key requests, in USD per million tokens, per provider and
 * model. USD per million tokens is numerically micro-USD per token, so a request's cost in
 * micro-dollars is `promptTokens × input + completionTokens × output`, rounded up.
 *
 * The shipped prices are the providers' public list prices (standard tier, no caching or batch
 * discounts) as of 2025; they go stale, which is why `PRICE_TABLE_FILE` can override any of them
 * without a release. A model is matched exactly, then by the longest listed prefix
 * (`gpt-4o-mini-2024-07-18` → `gpt-4o-mini`), then the provider's default.
 */
export interface TokenPrice {
  inputUsdPerMillion: number;
  outputUsdPerMillion: number;
}

export interface PriceTable {
  /** Per provider: model name (lower case) or name prefix → price. */
  models: Readonly<Record<ProviderId, Readonly<Record<string, TokenPrice>>>>;
  /** Per provider: the price of a model the table does not list. */
  defaults: Readonly<Record<ProviderId, TokenPrice>>;
}

const p = (input: number, output: number): TokenPrice => ({ inputUsdPerMillion: input, outputUsdPerMillion: output });

/** The shipped table. Kept to models people commonly route; everything else falls to the default. */
export const SHIPPED_PRICE_TABLE: PriceTable = {
  models: {
    openai: {
      'gpt-5': p(1.25, 10), 'gpt-5-mini': p(0.25, 2), 'gpt-5-nano': p(0.05, 0.4),
      'gpt-4.1': p(2, 8), 'gpt-4.1-mini': p(0.4, 1.6), 'gpt-4.1-nano': p(0.1, 0.4),
      'gpt-4o': p(2.5, 10), 'gpt-4o-mini': p(0.15, 0.6), 'chatgpt-4o-latest': p(5, 15),
      'gpt-4-turbo': p(10, 30), 'gpt-4': p(30, 60), 'gpt-3.5-turbo': p(0.5, 1.5),
      o1: p(15, 60), 'o1-mini': p(1.1, 4.4), 'o1-pro': p(150, 600),
      o3: p(2, 8), 'o3-mini': p(1.1, 4.4), 'o3-pro': p(20, 80), 'o4-mini': p(1.1, 4.4),
    },
    anthropic: {
      'claude-opus-4-5': p(5, 25), 'claude-opus-4': p(15, 75), 'claude-sonnet-4': p(3, 15), 'claude-haiku-4-5': p(1, 5),
      'claude-3-7-sonnet': p(3, 15), 'claude-3-5-sonnet': p(3, 15), 'claude-3-5-haiku': p(0.8, 4),
      'claude-3-opus': p(15, 75), 'claude-3-sonnet': p(3, 15), 'claude-3-haiku': p(0.25, 1.25),
    },
    google: {
      'gemini-2.5-pro': p(1.25, 10), 'gemini-2.5-flash': p(0.3, 2.5), 'gemini-2.5-flash-lite': p(0.1, 0.4),
      'gemini-2.0-flash': p(0.1, 0.4), 'gemini-2.0-flash-lite': p(0.075, 0.3),
      'gemini-1.5-pro': p(1.25, 5), 'gemini-1.5-flash': p(0.075, 0.3),
    },
    cohere: {
      'command-a': p(2.5, 10), 'command-r-plus': p(2.5, 10), 'command-r7b': p(0.0375, 0.15), 'command-r': p(0.15, 0.6),
    },
    together: {
      'meta-llama/llama-3.3-70b-instruct-turbo': p(0.88, 0.88),
      'meta-llama/meta-llama-3.1-8b-instruct-turbo': p(0.18, 0.18),
      'meta-llama/meta-llama-3.1-70b-instruct-turbo': p(0.88, 0.88),
      'meta-llama/meta-llama-3.1-405b-instruct-turbo': p(3.5, 3.5),
      'mistralai/mixtral-8x7b-instruct-v0.1': p(0.6, 0.6),
      'qwen/qwen2.5-72b-instruct-turbo': p(1.2, 1.2),
      'deepseek-ai/deepseek-v3': p(1.25, 1.25),
    },
    groq: {
      'llama-3.1-8b-instant': p(0.05, 0.08), 'llama-3.3-70b-versatile': p(0.59, 0.79),
      'openai/gpt-oss-120b': p(0.15, 0.75), 'openai/gpt-oss-20b': p(0.1, 0.5),
      'meta-llama/llama-4-scout': p(0.11, 0.34), 'meta-llama/llama-4-maverick': p(0.2, 0.6),
    },
    perplexity: {
      sonar: p(1, 1), 'sonar-pro': p(3, 15), 'sonar-reasoning': p(1, 5), 'sonar-reasoning-pro': p(2, 8),
      'sonar-deep-research': p(2, 8), 'r1-1776': p(2, 8),
    },
    // OpenRouter slugs not found here are looked up in the vendor's own table (`openai/gpt-4o` →
    // openai `gpt-4o`); these are the slugs whose names differ from the vendor's.
    openrouter: {
      'anthropic/claude-3.5-sonnet': p(3, 15), 'anthropic/claude-3.5-haiku': p(0.8, 4), 'anthropic/claude-3.7-sonnet': p(3, 15),
      'anthropic/claude-opus-4.5': p(5, 25), 'anthropic/claude-haiku-4.5': p(1, 5),
      'meta-llama/llama-3.3-70b-instruct': p(0.13, 0.4), 'meta-llama/llama-3.1-8b-instruct': p(0.02, 0.05),
      'deepseek/deepseek-chat': p(0.3, 0.85), 'mistralai/mistral-small': p(0.1, 0.3),
    },
  },
  // Unknown models are charged like a mid-to-upper model of the provider: undercharging loses
  // money on every request, and an operator who routes cheap models lists them in PRICE_TABLE_FILE.
  defaults: {
    openai: p(2.5, 10),
    anthropic: p(3, 15),
    google: p(1.25, 10),
    cohere: p(2.5, 10),
    together: p(0.88, 0.88),
    groq: p(0.59, 0.79),
    perplexity: p(1, 1),
    openrouter: p(3, 15),
  },
};

const PriceSchema = Type.Object(
  { input: Type.Number({ minimum: 0, maximum: 100_000 }), output: Type.Number({ minimum: 0, maximum: 100_000 }) },
  { additionalProperties: false },
);
const ProviderKeyed = <T extends Type.TSchema>(schema: T) =>
  Type.Object(Object.fromEntries(PROVIDER_IDS.map((id) => [id, Type.Optional(schema)])) as Record<ProviderId, Type.TOptional<T>>, { additionalProperties: false });

/**
 * `PRICE_TABLE_FILE`: USD per million tokens, merged over the shipped table (a listed model or
 * default replaces the shipped one; everything else stays):
 *
 *     { "models": { "openai": { "gpt-4o-mini": { "input": 0.15, "output": 0.6 } } },
 *       "defaults": { "openrouter": { "input": 5, "output": 20 } } }
 */
export const PriceTableFileSchema = Type.Object(
  {
    models: Type.Optional(ProviderKeyed(Type.Record(Type.String({ minLength: 1, maxLength: 200 }), PriceSchema))),
    defaults: Type.Optional(ProviderKeyed(PriceSchema)),
  },
  { additionalProperties: false },
);
export type PriceTableFile = Static<typeof PriceTableFileSchema>;

/** The shipped table with a parsed override file applied. */
export function mergePriceTable(base: PriceTable, override: PriceTableFile): PriceTable {
  const models = { ...base.models };
  const defaults = { ...base.defaults };
  for (const id of PROVIDER_IDS) {
    const listed = override.models?.[id];
    if (listed) {
      const merged = { ...models[id] };
      for (const [model, price] of Object.entries(listed)) merged[model.toLowerCase()] = p(price.input, price.output);
      models[id] = merged;
    }
    const fallback = override.defaults?.[id];
    if (fallback) defaults[id] = p(fallback.input, fallback.output);
  }
  return { models, defaults };
}

/** The price table to use: the shipped one, or it merged with `file` (read once at boot). */
export function loadPriceTable(file: string | undefined): PriceTable {
  if (file === undefined) return SHIPPED_PRICE_TABLE;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`Invalid PRICE_TABLE_FILE ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!Value.Check(PriceTableFileSchema, parsed)) {
    const first = Value.Errors(PriceTableFileSchema, parsed)[0];
    throw new Error(`Invalid PRICE_TABLE_FILE ${file}: ${first?.instancePath || '/'} ${first?.message ?? 'does not match the expected shape'}`);
  }
  return mergePriceTable(SHIPPED_PRICE_TABLE, parsed);
}
