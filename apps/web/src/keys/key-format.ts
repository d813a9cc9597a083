import type { ProviderInfo } from '../api/types.js';

/** The server's limit; anything longer is a paste accident. */
export const MAX_KEY_LENGTH = 512;

/**
 * What the form says about a pasted key, before the server sees it:
 * - `empty`: nothing to save.
 * - `blocked`: can never be a key (inner whitespace, far too long); the server refuses it too.
 * - `mismatch`: does not match the provider's known format. Only a warning: providers change
 *   formats without notice, so the user may save it anyway (allow_unrecognized_format).
 * - `ok`: matches the known format.
 */
export type KeyCheck =
  | { state: 'empty'; message: string }
  | { state: 'blocked'; message: string }
  | { state: 'mismatch'; message: string }
  | { state: 'ok'; message: string };

export interface CheckedKey {
  /** The key as it will be sent: surrounding whitespace from copy and paste removed. */
  key: string;
  check: KeyCheck;
}

export function checkKeyInput(raw: string, provider: Pick<ProviderInfo, 'name' | 'key_format'>): CheckedKey {
  const key = raw.trim();
  if (key === '') return { key, check: { state: 'empty', message: 'Paste your key.' } };
  if (/\s/.test(key)) return { key, check: { state: 'blocked', message: 'A key has no spaces or line breaks inside it. Copy it again from the provider.' } };
  if (key.length > MAX_KEY_LENGTH) return { key, check: { state: 'blocked', message: `That is longer than any key (${MAX_KEY_LENGTH} characters at most). Copy just the key.` } };
  const pattern = compile(provider.key_format.pattern);
  if (pattern === null || pattern.test(key)) return { key, check: { state: 'ok', message: `Looks like ${article(provider.name)} ${provider.name} key.` } };
  return { key, check: { state: 'mismatch', message: `This doesn't look like ${article(provider.name)} ${provider.name} key: expected ${provider.key_format.hint}.` } };
}

/** A pattern the browser cannot compile is no reason to block anyone; the server checks too. */
function compile(source: string): RegExp | null {
  try {
    return new RegExp(source);
  } catch {
    return null;
  }
}

/** "a" or "an" before a provider's name (an OpenAI key, a Groq key). */
export function article(name: string): string {
  return /^[AEIOU]/i.test(name) ? 'an' : 'a';
}
