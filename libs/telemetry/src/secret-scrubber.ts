/**
 * Masks anything shaped like a provider key or bearer credential inside free text: log messages,
 * error messages and stacks, URLs. This is the safety net behind the credential-field redaction
 * of log lines (`redactCredentialFields`); it cannot catch keys without a recognisable shape
 * (Cohere's, for one), so code must still keep key material out of log fields.
 *
 * The rules have no word-boundary check on purpose: in a serialized JSON line a key after a
 * newline reads `\nsk-…`, and a boundary check would let it through. An occasional masked
 * look-alike (`task-…` → `ta` + `sk-[redacted]`) is the accepted price.
 */
const RULES: ReadonlyArray<{ prefix: string; rest: string }> = [
  // Longer prefixes first: the first alternative that matches wins.
  { prefix: 'sk-or-v1-', rest: '[0-9a-f]{16,}' },
  { prefix: 'sk-ant-', rest: '[A-Za-z0-9_-]{16,}' },
  { prefix: 'sk-', rest: '[A-Za-z0-9_-]{16,}' },
  { prefix: 'AIza', rest: '[0-9A-Za-z_-]{20,}' },
  { prefix: 'gsk_', rest: '[A-Za-z0-9]{16,}' },
  { prefix: 'pplx-', rest: '[A-Za-z0-9]{16,}' },
  { prefix: 'tgp_v1_', rest: '[A-Za-z0-9_-]{16,}' },
  { prefix: 'byok_', rest: '[A-Za-z0-9_]{16,}' },
];

// The credential part stops at characters that cannot occur in a token (quotes, backslashes,
// whitespace), so masking inside a JSON line can never eat the line's own syntax.
const BEARER = '([Bb]earer\\s+)[A-Za-z0-9._~+/=-]+';
// Gemini and some others take the key as a query parameter: `?key=…`.
const QUERY_PARAM = '([?&](?:key|api_key|apiKey|access_token|token)=)[^&#\\s"\\\\]+';

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// One precompiled regex for all rules: a single pass over the text, whatever the rule count.
const SECRET_PATTERN = new RegExp(
  [...RULES.map((rule) => `(${escapeRegExp(rule.prefix)})${rule.rest}`), BEARER, QUERY_PARAM].join('|'),
  'g',
);
const GROUP_COUNT = RULES.length + 2;

/** The text that replaces a secret after its non-secret prefix, e.g. `sk-or-v1-[redacted]`. */
export const SECRET_MASK = '[redacted]';

/** Returns `text` with every key-shaped substring masked; the same string when there is none. */
export function scrubSecrets(text: string): string {
  return text.replace(SECRET_PATTERN, maskMatch);
}

function maskMatch(_match: string, ...groups: unknown[]): string {
  // The captured prefix of whichever alternative matched tells what to keep.
  for (let i = 0; i < GROUP_COUNT; i += 1) {
    const prefix = groups[i];
    if (typeof prefix === 'string') return `${prefix}${SECRET_MASK}`;
  }
  return SECRET_MASK;
}
