import { listProviders, PROVIDERS, type ProviderId } from '@byok/providers';

/** Where a user adds a key; named in every message that asks for one. */
export const KEYS_PATH = '/api/v1/llm/byok/keys';

/** Client model names are echoed in messages only up to this length. */
const MAX_ECHOED_MODEL_CHARS = 100;

// Both lists come from the registry, so a new provider appears in the messages by itself.
const EXPLICIT_PREFIXES = listProviders().flatMap((p) => p.explicitPrefixes);
const BARE_PREFIXES = listProviders().flatMap((p) => p.barePrefixes);

/** "an Anthropic or OpenRouter key", or "an OpenRouter key" when the provider is OpenRouter. */
function keysToAdd(provider: ProviderId): string {
  const name = PROVIDERS[provider].displayName;
  const openRouter = PROVIDERS.openrouter.displayName;
  if (provider === 'openrouter') return `${article(openRouter)} ${openRouter} key`;
  return `${article(name)} ${name} or ${openRouter} key`;
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

function echoModel(model: string): string {
  const shown = model.length > MAX_ECHOED_MODEL_CHARS ? `${model.slice(0, MAX_ECHOED_MODEL_CHARS)}...` : model;
  return JSON.stringify(shown);
}

/** Neither the user nor the platform has a key that serves this provider. */
export function noKeyMessage(provider: ProviderId): string {
  return `No key for ${provider}: add ${keysToAdd(provider)} at ${KEYS_PATH}`;
}

/** The model names no provider unambiguously, and the user has no OpenRouter key to take any model. */
export function unknownModelMessage(model: string): string {
  return (
    `Cannot tell which provider serves model ${echoModel(model)}: name it with a provider prefix ` +
    `(${EXPLICIT_PREFIXES.join(', ')}) or a known model name (${BARE_PREFIXES.map((p) => `${p}...`).join(', ')}), ` +
    `or add an OpenRouter key at ${KEYS_PATH} to reach any model`
  );
}

/** Only a platform key could serve the request and the credit balance is not above zero. */
export function insufficientCreditsMessage(provider: ProviderId): string {
  return `Insufficient credits for the platform's ${provider} key: add credits, or add ${keysToAdd(provider)} at ${KEYS_PATH}`;
}

/** Only a platform key could serve the request and the caller did not supply the balance. */
export function creditsUnknownMessage(provider: ProviderId): string {
  return `Could not check credits for the platform's ${provider} key: try again, or add ${keysToAdd(provider)} at ${KEYS_PATH}`;
}
