import type { ProviderDefinition } from '../provider-definition.js';
import { PROVIDER_IDS, type ProviderId } from '../types.js';
import { anthropic } from './anthropic/index.js';
import { cohere } from './cohere/index.js';
import { google } from './google/index.js';
import { groq } from './groq/index.js';
import { openai } from './openai/index.js';
import { openrouter } from './openrouter/index.js';
import { perplexity } from './perplexity/index.js';
import { together } from './together/index.js';

/** Every supported provider, keyed by id. Frozen so no caller can change the registry at run time. */
export const PROVIDERS: Readonly<Record<ProviderId, ProviderDefinition>> = Object.freeze({
  openrouter,
  openai,
  anthropic,
  google,
  cohere,
  together,
  groq,
  perplexity,
});

/** Providers in display order: OpenRouter (the recommended one) first, then PROVIDER_IDS order. */
export function listProviders(): readonly ProviderDefinition[] {
  const all = PROVIDER_IDS.map((id) => PROVIDERS[id]);
  return [...all.filter((p) => p.recommended), ...all.filter((p) => !p.recommended)];
}
