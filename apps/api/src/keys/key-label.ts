import { DEFAULT_KEY_LABEL } from '@byok/db';
import { AppError } from '@byok/http';
import { PROVIDERS, type ProviderId } from '@byok/providers';

/** Control characters (tabs, newlines, escapes): a label is shown in lists and receipts, on one line. NUL is left to the answer every stored text gets (error-handler.plugin.ts). */
const CONTROL = /\p{Cc}/u;
/** Lone UTF-16 surrogates: JSON can carry them, Postgres cannot store them as themselves. */
const LONE_SURROGATE = /\p{Cs}/u;
/** Leading or trailing white space: `work` and `work ` would look like one key and be two. */
const OUTER_SPACE = /^\s|\s$/u;

/**
 * Checks a label the schema already bounded to 1–64 characters, and refuses what would make two
 * labels look alike or could not be stored, with a 400 naming the field. The label is returned
 * as given (its spelling is kept; uniqueness ignores case in the database).
 */
export function requireKeyLabel(label: string, path: string): string {
  const problem = CONTROL.test(label.replaceAll('\u0000', ''))
    ? 'contains a control character'
    : LONE_SURROGATE.test(label)
      ? 'contains a lone UTF-16 surrogate (an unpaired \\uD800-\\uDFFF escape), which is not text'
      : OUTER_SPACE.test(label)
        ? 'starts or ends with white space'
        : null;
  if (problem === null) return label;
  throw new AppError('validation_failed', `${path}: ${problem}`, { details: [{ path, message: problem }] });
}

/** The label a per-provider route acts on: `?label=` when given (checked), else `default`. */
export function labelOrDefault(label: string | undefined, path = 'querystring/label'): string {
  return label === undefined ? DEFAULT_KEY_LABEL : requireKeyLabel(label, path);
}

/** Names one key in messages: `OpenAI key "work"`. */
export function keyName(provider: ProviderId, label: string): string {
  return `${PROVIDERS[provider].displayName} key "${label}"`;
}
