/**
 * Provider ids in words, for places that show a provider without its /providers entry at hand
 * (usage of any model, audit records of deleted keys, the audit filter). Unknown ids are shown as
 * they are.
 */
const PROVIDER_NAMES: Readonly<Record<string, string>> = {
  openrouter: 'OpenRouter',
  openai: 'OpenAI',
  anthropic: 'Anthropic',
  google: 'Google Gemini',
  cohere: 'Cohere',
  together: 'Together AI',
  groq: 'Groq',
  perplexity: 'Perplexity',
  system: 'Platform key',
};

/** The providers keys can be held for (the API's provider ids; `system` names the platform's key, not one). */
export const PROVIDER_IDS: readonly string[] = Object.keys(PROVIDER_NAMES).filter((id) => id !== 'system');

export function providerName(id: string): string {
  return PROVIDER_NAMES[id] ?? id;
}
