import { AppError } from '@byok/http';

/** Lone UTF-16 surrogates: JSON can carry them (`"\ud800"`), UTF-8 and Postgres cannot. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * The path (`body/metadata/notes/0`) of the first string, or object key, in `value` that holds a
 * lone surrogate, or null. Iterative, so a deeply nested value cannot exhaust the stack.
 */
export function findLoneSurrogate(value: unknown, path: string): string | null {
  const stack: Array<[unknown, string]> = [[value, path]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [item, at] = next;
    if (typeof item === 'string') {
      if (LONE_SURROGATE.test(item)) return at;
    } else if (Array.isArray(item)) {
      for (const [index, element] of item.entries()) stack.push([element, `${at}/${index}`]);
    } else if (typeof item === 'object' && item !== null) {
      for (const [key, element] of Object.entries(item)) {
        // The key itself is printed escaped: it is what cannot be stored.
        if (LONE_SURROGATE.test(key)) return `${at}/${JSON.stringify(key).slice(1, -1)}`;
        stack.push([element, `${at}/${key}`]);
      }
    }
  }
  return null;
}

/**
 * Refuses text that cannot be stored as sent with a 400 naming the field. Without this a lone
 * surrogate reaches the keyring (which refuses to encrypt it) or Postgres (which refuses it in
 * jsonb), and the caller got a 500.
 */
export function requireWellFormed(fields: Record<string, unknown>): void {
  for (const [path, value] of Object.entries(fields)) {
    const at = findLoneSurrogate(value, path);
    if (at !== null) {
      const message = 'contains a lone UTF-16 surrogate (an unpaired \\uD800-\\uDFFF escape), which is not text';
      throw new AppError('validation_failed', `${at}: ${message}`, { details: [{ path: at, message }] });
    }
  }
}
