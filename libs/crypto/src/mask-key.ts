/**
 * Masks a provider API key for display, e.g. `sk-or-v1-****…****1234`.
 *
 * Rules, chosen so a masked key helps a user tell their keys apart without helping anyone use it:
 * - `knownPrefix` (a provider's public marker such as `sk-or-v1-`) is shown only when the key
 *   really starts with it and has something after it; otherwise it is treated as secret.
 * - Of the rest, at most the last 4 characters are shown, and never more than a third of it
 *   (rounded down): 12+ characters show 4, 9–11 show 3, 6–8 show 2, 3–5 show 1, shorter show none.
 * - The middle is always the fixed `****…****`, so the mask does not reveal the key's length.
 *
 * @param plaintext the decrypted key; never logged or returned by this function.
 * @param knownPrefix the provider's public key prefix, or `''` when it has none.
 */
export function maskKey(plaintext: string, knownPrefix: string): string {
  const hasPrefix = knownPrefix.length > 0 && plaintext.length > knownPrefix.length && plaintext.startsWith(knownPrefix);
  const prefix = hasPrefix ? knownPrefix : '';
  // Count code points, not UTF-16 units, so a surrogate pair is never cut in half.
  const secret = Array.from(plaintext.slice(prefix.length));
  const shown = Math.min(MAX_SHOWN_CHARS, Math.floor(secret.length / 3));
  return `${prefix}${MASK}${secret.slice(secret.length - shown).join('')}`;
}

const MASK = '****…****';
const MAX_SHOWN_CHARS = 4;
