import { listProviders, PROVIDERS, type ProviderId } from '@byok/providers';
import { perProvider } from './per-provider.js';
import type { KeySkipReason } from './route-decision.types.js';

/** Where a user adds a key; named in every message that asks for one. */
export const KEYS_PATH = '/api/v1/llm/byok/keys';

/** Client model names are echoed in messages only up to this length. */
const MAX_ECHOED_MODEL_CHARS = 100;

// Prefixes come from the registry, so a new provider appears in the messages by itself. Every
// message that does not quote the model is built once here: failures are frequent enough (a
// client retrying without credits) that they belong to the hot path too.
const EXPLICIT_PREFIXES = listProviders().flatMap((p) => p.explicitPrefixes);
const BARE_PREFIXES = listProviders().flatMap((p) => p.barePrefixes);
const UNKNOWN_MODEL_HINT =
  `name it with a provider prefix (${EXPLICIT_PREFIXES.join(', ')}) or a known model name ` +
  `(${BARE_PREFIXES.map((p) => `${p}...`).join(', ')}), or add an OpenRouter key at ${KEYS_PATH} to reach any model`;

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

const NO_KEY = perProvider((id) => `No key for ${id}: add ${keysToAdd(id)} at ${KEYS_PATH}`);
const INSUFFICIENT_CREDITS = perProvider(
  (id) => `Insufficient credits for the platform's ${id} key: add credits, or add ${keysToAdd(id)} at ${KEYS_PATH}`,
);
const CREDITS_UNKNOWN = perProvider(
  (id) => `Could not check credits for the platform's ${id} key: try again, or add ${keysToAdd(id)} at ${KEYS_PATH}`,
);

/** Neither the user nor the platform has a key that serves this provider. */
export function noKeyMessage(provider: ProviderId): string {
  return NO_KEY[provider];
}

/** The model names no provider unambiguously, and the user has no OpenRouter key to take any model. */
export function unknownModelMessage(model: string): string {
  return `Cannot tell which provider serves model ${echoModel(model)}: ${UNKNOWN_MODEL_HINT}`;
}

/** Only a platform key could serve the request and the credit balance is not above zero. */
export function insufficientCreditsMessage(provider: ProviderId): string {
  return INSUFFICIENT_CREDITS[provider];
}

/** Only a platform key could serve the request and the caller did not supply the balance. */
export function creditsUnknownMessage(provider: ProviderId): string {
  return CREDITS_UNKNOWN[provider];
}

/** One of the user's own keys that the rule skipped, and what its last validation said. */
export interface SkippedUserKey {
  provider: ProviderId;
  reason: KeySkipReason;
  validationOutcome?: string | undefined;
}

// What is wrong with a key the user holds, and what fixes it: a user told "add a key" while
// holding one goes looking for the wrong problem.
const KEY_DISABLED = perProvider((id) => `your ${PROVIDERS[id].displayName} key is disabled (enable it with POST ${KEYS_PATH}/${id}/toggle or on the keys page)`);
const KEY_INVALID = perProvider((id) => `your ${PROVIDERS[id].displayName} key was rejected by ${PROVIDERS[id].displayName} at its last test (replace it at ${KEYS_PATH})`);
const KEY_NO_CREDIT = perProvider((id) => `your ${PROVIDERS[id].displayName} key has no credit left at ${PROVIDERS[id].displayName} (top up the account, then test the key again)`);
const KEY_UNDECRYPTABLE = perProvider(
  (id) => `your ${PROVIDERS[id].displayName} key cannot be decrypted with the configured encryption keys (save it again at ${KEYS_PATH}, or ask the operator)`,
);

function describeSkippedKey(key: SkippedUserKey): string {
  switch (key.reason) {
    case 'disabled':
      return KEY_DISABLED[key.provider];
    case 'undecryptable':
      return KEY_UNDECRYPTABLE[key.provider];
    default:
      return key.validationOutcome === 'no_credit' ? KEY_NO_CREDIT[key.provider] : KEY_INVALID[key.provider];
  }
}

/**
 * The failure message of a decision that skipped some of the user's own keys: says what is wrong
 * with each instead of only asking for a key. Without skipped keys, `message` unchanged.
 */
export function withSkippedKeys(message: string, provider: ProviderId | undefined, skipped: readonly SkippedUserKey[]): string {
  if (skipped.length === 0) return message;
  const problems = skipped.map(describeSkippedKey).join('; ');
  if (provider !== undefined && message === NO_KEY[provider]) return `No usable key for ${provider}: ${problems}. Or add ${keysToAdd(provider)} at ${KEYS_PATH}`;
  return `${message}; ${problems}`;
}
