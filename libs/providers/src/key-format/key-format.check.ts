import type { ProviderDefinition } from '../provider-definition.js';
import { PROVIDERS } from '../registry/index.js';
import type { ProviderId } from '../types.js';

/** Longer than any real provider key by a wide margin; anything longer is a paste accident. */
export const MAX_KEY_LENGTH = 512;

/** The result of a key-shape check; the message never repeats the key. */
export type KeyFormatResult = { ok: true } | { ok: false; message: string };

/**
 * Checks a pasted key's shape against the provider's known format.
 *
 * Empty input, whitespace anywhere, and keys over 512 characters are always rejected. A key that
 * merely fails the provider's pattern is also reported, but callers should treat that as a soft
 * warning a user can override: provider key formats change without notice.
 */
export function checkKeyFormat(provider: ProviderId | ProviderDefinition, key: string): KeyFormatResult {
  const def = typeof provider === 'string' ? PROVIDERS[provider] : provider;
  if (key.length === 0) return { ok: false, message: 'The key is empty.' };
  if (/\s/.test(key)) {
    return { ok: false, message: 'The key contains spaces or line breaks; paste it as one unbroken string.' };
  }
  if (key.length > MAX_KEY_LENGTH) {
    return { ok: false, message: `The key is longer than ${MAX_KEY_LENGTH} characters, so it is not an API key.` };
  }
  if (!def.keyFormat.pattern.test(key)) {
    return { ok: false, message: `${withArticle(def.displayName)} key looks like ${def.keyFormat.hint}.` };
  }
  return { ok: true };
}

/** "An OpenRouter", "A Groq": the article a reader expects before the provider's name. */
function withArticle(name: string): string {
  return /^[AEIOU]/i.test(name) ? `An ${name}` : `A ${name}`;
}
