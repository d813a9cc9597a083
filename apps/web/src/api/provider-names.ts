/**
 * Provider ids in words, for places that show a provider without its /providers entry at hand
 * (usage of any model, audit records of deleted keys). Unknown ids are shown as they are.
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

export function providerName(id: string): string {
  return PROVIDER_NAMES[id] ?? id;
}
