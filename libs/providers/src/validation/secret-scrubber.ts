/**
 * Removes a secret from text that came from outside (an upstream error body) before the text is
 * shown to anyone. Providers echo masked keys (`sk-proj-****MxYA`) and a hostile or buggy upstream
 * may echo the whole key, so every run of 8 or more characters that also occurs in the secret is
 * replaced, not just the full secret.
 */

/** Runs shorter than this are too common to be evidence of the key (`sk-proj-` is exactly 8). */
export const MIN_SECRET_RUN = 8;
const REDACTED = '[redacted]';

/** Replaces every substring of `secret` of length >= 8 that appears in `text` with `[redacted]`. */
export function scrubSecret(text: string, secret: string): string {
  if (secret.length === 0 || text.length === 0) return text;
  if (secret.length < MIN_SECRET_RUN) return text.split(secret).join(REDACTED);
  const windows = new Set<string>();
  for (let i = 0; i + MIN_SECRET_RUN <= secret.length; i++) windows.add(secret.slice(i, i + MIN_SECRET_RUN));
  // Any shared run of length >= 8 is a chain of overlapping 8-character windows of the secret,
  // so marking every matching window covers the whole run.
  const hidden = new Uint8Array(text.length);
  for (let i = 0; i + MIN_SECRET_RUN <= text.length; i++) {
    if (windows.has(text.slice(i, i + MIN_SECRET_RUN))) hidden.fill(1, i, i + MIN_SECRET_RUN);
  }
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (hidden[i] === 1) {
      if (i === 0 || hidden[i - 1] !== 1) out += REDACTED;
    } else {
      out += text[i];
    }
  }
  return out;
}

/** Collapses whitespace and control characters, then cuts to `maxChars` with an ellipsis. */
export function tidyText(text: string, maxChars: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point.
  const flat = text.replace(/[\u0000-\u001f\u007f\s]+/g, ' ').trim();
  return flat.length <= maxChars ? flat : `${flat.slice(0, Math.max(0, maxChars - 1))}…`;
}
