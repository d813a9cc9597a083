import type { ProviderDefinition } from '../provider-definition.js';
import { PROVIDERS } from '../registry/index.js';
import type { ProviderId } from '../types.js';

/** Longer than any real provider key by a wide margin; anything longer is a paste accident. */
export const MAX_KEY_LENGTH = 512;

/**
 * How bad a failed check is:
 * - `invalid`: the text cannot be an API key (empty, whitespace, over 512 characters); never store it.
 * - `unrecognized`: it does not match the provider's known format. A soft warning a user may
 *   override, because providers change key formats without notice.
 */
export type KeyFormatSeverity = 'invalid' | 'unrecognized';

/** The result of a key-shape check; the message never repeats the key. */
export type KeyFormatResult = { ok: true } | { ok: false; severity: KeyFormatSeverity; message: string };

/**
 * Checks a pasted key's shape against the provider's known format.
 *
 * Empty input, whitespace anywhere, and keys over 512 characters are `invalid`. A key that merely
 * fails the provider's pattern is `unrecognized`: callers should treat that as a soft warning a
 * user can override, because provider key formats change without notice.
 */
export function checkKeyFormat(provider: ProviderId | ProviderDefinition, key: string): KeyFormatResult {
  const def = typeof provider === 'string' ? PROVIDERS[provider] : provider;
  if (key.length === 0) return { ok: false, severity: 'invalid', message: 'The key is empty.' };
  if (/\s/.test(key)) {
    return { ok: false, severity: 'invalid', message: 'The key contains spaces or line breaks; paste it as one unbroken string.' };
  }
  if (key.length > MAX_KEY_LENGTH) {
    return { ok: false, severity: 'invalid', message: `The key is longer than ${MAX_KEY_LENGTH} characters, so it is not an API key.` };
  }
  if (!def.keyFormat.pattern.test(key)) {
    return { ok: false, severity: 'unrecognized', message: `${withArticle(def.displayName)} key looks like ${def.keyFormat.hint}.` };
  }
  return { ok: true };
}

/** "An OpenRouter", "A Groq": the article a reader expects before the provider's name. */
function withArticle(name: string): string {
  return /^[AEIOU]/i.test(name) ? `An ${name}` : `A ${name}`;
}
