import Type, { type TString, type TStringOptions } from 'typebox';

/**
 * Any text without a lone UTF-16 surrogate: each code unit outside the surrogate range, or a
 * high surrogate directly followed by a low one. Written with explicit ranges rather than
 * `\p{Cs}` so it means the same with and without the regex `u` flag.
 */
export const WELL_FORMED_PATTERN = '^(?:[^\\uD800-\\uDFFF]|[\\uD800-\\uDBFF][\\uDC00-\\uDFFF])*$';

/**
 * A string schema that refuses lone surrogates at validation (400 naming the field). Such text
 * cannot be stored as itself: Postgres turns each into U+FFFD in text columns (two different
 * values become one) and refuses the `\uD800` escape in jsonb (which surfaced as a 500).
 */
export function WellFormedString(options: TStringOptions = {}): TString {
  return Type.String({ ...options, pattern: WELL_FORMED_PATTERN });
}
