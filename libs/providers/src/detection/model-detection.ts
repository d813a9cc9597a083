import type { ProviderDefinition } from '../provider-definition.js';
import { listProviders, PROVIDERS } from '../registry/index.js';
import type { ProviderId } from '../types.js';

/** The provider a model name points at, or `unknown` when the name is ambiguous. */
export type DetectedProvider =
  | {
      provider: ProviderId;
      /** The model name as the provider itself expects it (gateway prefix removed). */
      upstreamModel: string;
      /** True when the caller named the provider with a gateway prefix such as `groq/`. */
      explicit: boolean;
    }
  | { provider: 'unknown' };

interface PrefixEntry {
  prefix: string;
  provider: ProviderDefinition;
}

// Longest prefix first, so a more specific prefix always wins should two ever overlap.
const byLength = (a: PrefixEntry, b: PrefixEntry): number => b.prefix.length - a.prefix.length;
const EXPLICIT: readonly PrefixEntry[] = listProviders()
  .flatMap((provider) => provider.explicitPrefixes.map((prefix) => ({ prefix, provider })))
  .sort(byLength);
const BARE: readonly PrefixEntry[] = listProviders()
  .flatMap((provider) => provider.barePrefixes.map((prefix) => ({ prefix, provider })))
  .sort(byLength);

/**
 * Finds the provider for a model name (providers.md §9). An explicit gateway prefix wins
 * (`groq/llama-3.1-8b-instant`), then a bare prefix that only one provider uses (`claude-…`).
 * Anything else, including vendor slugs such as `meta-llama/…` that several hosts serve, is
 * `unknown`: the router decides (OpenRouter if the user has a key) instead of this function guessing.
 */
export function detectProvider(model: string): DetectedProvider {
  const lower = model.toLowerCase();
  const explicit = EXPLICIT.find((e) => lower.startsWith(e.prefix) && model.length > e.prefix.length);
  if (explicit) {
    return { provider: explicit.provider.id, upstreamModel: model.slice(explicit.prefix.length), explicit: true };
  }
  // A bare prefix never applies to a slug: `gpt-x/y` is not an OpenAI model name.
  if (model.includes('/')) return { provider: 'unknown' };
  const bare = BARE.find((e) => lower.startsWith(e.prefix));
  if (bare) return { provider: bare.provider.id, upstreamModel: model, explicit: false };
  return { provider: 'unknown' };
}

/**
 * The OpenRouter model slug for a request that is routed to OpenRouter. `provider` is what
 * `detectProvider` found for `model` (or `unknown`).
 *
 * - `openrouter/x/y` → `x/y` (the gateway prefix is dropped).
 * - Already a vendor slug (`openai/gpt-4o-mini`, `meta-llama/llama-3.3-70b-instruct`) → unchanged.
 * - A host prefix OpenRouter does not know (`groq/…`, `together/…`) → the host's model name.
 * - A bare name of a vendor OpenRouter carries (`gpt-4o-mini`) → `openai/gpt-4o-mini`.
 * - Anything else → unchanged, and OpenRouter will say whether it knows the model.
 */
export function toOpenRouterModel(provider: ProviderId | 'unknown', model: string): string {
  const detected = detectProvider(model);
  if (detected.provider !== 'unknown' && detected.explicit) {
    const def = PROVIDERS[detected.provider];
    // Vendor prefixes such as `openai/` are OpenRouter slugs already; host prefixes are not.
    return def.openRouterVendor ? model : detected.upstreamModel;
  }
  if (model.includes('/')) return model;
  const owner = provider === 'unknown' ? detected.provider : provider;
  const vendor = owner === 'unknown' ? undefined : PROVIDERS[owner].openRouterVendor;
  return vendor ? `${vendor}/${model}` : model;
}
