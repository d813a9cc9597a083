import { listProviders, PROVIDERS, type ProviderId } from '@byok/providers';
import { perProvider } from './per-provider.js';
import type { KeySkipReason, RequestSkipReason } from './route-decision.types.js';

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

const BYOK_ONLY = perProvider(
  (id) => `No key of yours can serve this ${id} model, and your settings never use the platform's keys (platform_fallback: never): add ${keysToAdd(id)} at ${KEYS_PATH}, or allow the platform fallback`,
);

/** Only a platform key could serve the request and the user's settings (or header) say never. */
export function byokOnlyMessage(provider: ProviderId): string {
  return BYOK_ONLY[provider];
}

/** One of the user's own keys that the rule skipped, and what its last validation said. */
export interface SkippedUserKey {
  provider: ProviderId;
  reason: KeySkipReason | RequestSkipReason;
  validationOutcome?: string | undefined;
  /** Its label when not `default`. */
  label?: string | undefined;
  /** An organization's key (a member acting for it): only the org's owners and admins can fix it. */
  org?: boolean | undefined;
}

// What is wrong with a key the user holds, and what fixes it: a user told "add a key" while
// holding one goes looking for the wrong problem.
const KEY_DISABLED = perProvider((id) => `your ${PROVIDERS[id].displayName} key is disabled (enable it with POST ${KEYS_PATH}/${id}/toggle or on the keys page)`);
const KEY_INVALID = perProvider((id) => `your ${PROVIDERS[id].displayName} key was rejected by ${PROVIDERS[id].displayName} at its last test (replace it at ${KEYS_PATH})`);
const KEY_NO_CREDIT = perProvider((id) => `your ${PROVIDERS[id].displayName} key has no credit left at ${PROVIDERS[id].displayName} (top up the account, then test the key again)`);
const KEY_UNDECRYPTABLE = perProvider(
  (id) => `your ${PROVIDERS[id].displayName} key cannot be decrypted with the configured encryption keys (save it again at ${KEYS_PATH}, or ask the operator)`,
);

// Reasons that depend on the request; the key is named by its label when it has one.
const REQUEST_SKIPS: Readonly<Record<RequestSkipReason, string>> = {
  no_credit: 'has no credit left at the provider (top up the account, then test the key again)',
  cooling_down: 'is cooling down after the provider refused or rate-limited it',
  circuit_open: 'failed repeatedly and rests for a moment before it is tried again',
  model_not_allowed: 'is not allowed for this model (its model list)',
  model_unavailable: 'cannot reach this model (its last test listed the models it can)',
  budget_exceeded: 'has used up a budget that applies to it for this period',
};

// An org key's problem in words a member can act on: the fix is the org's owners' and admins'.
const ORG_KEY_STATES: Readonly<Record<SkippedUserKey['reason'], string>> = {
  disabled: 'is disabled',
  invalid: 'was rejected by the provider at its last test',
  undecryptable: 'cannot be decrypted with the configured encryption keys',
  ...REQUEST_SKIPS,
};

function describeOrgKey(key: SkippedUserKey): string {
  const name = `the organization's ${PROVIDERS[key.provider].displayName} key${key.label === undefined ? '' : ` "${key.label}"`}`;
  return `${name} ${ORG_KEY_STATES[key.reason]} (ask an owner or admin of the organization)`;
}

function describeSkippedKey(key: SkippedUserKey): string {
  if (key.org === true) return describeOrgKey(key);
  const text = baseDescription(key);
  // The default key keeps the one-key wording; another key is named by its label.
  return key.label === undefined ? text : text.replace(`your ${PROVIDERS[key.provider].displayName} key`, `your ${PROVIDERS[key.provider].displayName} key "${key.label}"`);
}

function baseDescription(key: SkippedUserKey): string {
  switch (key.reason) {
    case 'disabled':
      return KEY_DISABLED[key.provider];
    case 'undecryptable':
      return KEY_UNDECRYPTABLE[key.provider];
    case 'invalid':
      return key.validationOutcome === 'no_credit' ? KEY_NO_CREDIT[key.provider] : KEY_INVALID[key.provider];
    default:
      return `your ${PROVIDERS[key.provider].displayName} key ${REQUEST_SKIPS[key.reason]}`;
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
