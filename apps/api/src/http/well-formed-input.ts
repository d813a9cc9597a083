import { AppError } from '@byok/http';

/** Lone UTF-16 surrogates: JSON can carry them (`"\ud800"`), UTF-8 and Postgres cannot. */
const LONE_SURROGATE = /\p{Cs}/u;

/** What a walk refuses: a string or object key, or a number. */
interface Refusal {
  text(value: string): boolean;
  number(value: number): boolean;
}

/**
 * The path (`body/metadata/notes/0`) of the first string, object key or number in `value` that
 * `refuse` names, or null. Iterative, so a deeply nested value cannot exhaust the stack.
 */
function firstRefused(value: unknown, path: string, refuse: Refusal): string | null {
  const stack: Array<[unknown, string]> = [[value, path]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [item, at] = next;
    if (typeof item === 'string') {
      if (refuse.text(item)) return at;
    } else if (typeof item === 'number') {
      if (refuse.number(item)) return at;
    } else if (Array.isArray(item)) {
      for (const [index, element] of item.entries()) stack.push([element, `${at}/${index}`]);
    } else if (typeof item === 'object' && item !== null) {
      for (const [key, element] of Object.entries(item)) {
        // The key itself is printed escaped: it is what cannot be stored.
        if (refuse.text(key)) return `${at}/${JSON.stringify(key).slice(1, -1)}`;
        stack.push([element, `${at}/${key}`]);
      }
    }
  }
  return null;
}

const LONE_SURROGATES: Refusal = { text: (value) => LONE_SURROGATE.test(value), number: () => false };
const NON_FINITE_NUMBERS: Refusal = { text: () => false, number: (value) => !Number.isFinite(value) };

function refuse(fields: Record<string, unknown>, refusal: Refusal, message: string): void {
  for (const [path, value] of Object.entries(fields)) {
    const at = firstRefused(value, path, refusal);
    if (at !== null) throw new AppError('validation_failed', `${at}: ${message}`, { details: [{ path: at, message }] });
  }
}

/**
 * Refuses text that cannot be stored as sent with a 400 naming the field. Without this a lone
 * surrogate reaches the keyring (which refuses to encrypt it) or Postgres (which refuses it in
 * jsonb), and the caller got a 500.
 */
export function requireWellFormed(fields: Record<string, unknown>): void {
  refuse(fields, LONE_SURROGATES, 'contains a lone UTF-16 surrogate (an unpaired \\uD800-\\uDFFF escape), which is not text');
}

/**
 * Refuses ±Infinity with a 400 naming the field. Ajv's type coercion turns the text `1e309` (or
 * `Infinity`) of a query, path or body field into Infinity, and skips `minimum`/`maximum` for a
 * number that is not finite, so `?limit=1e309` passed validation and failed later as a 500.
 */
export function requireFiniteNumbers(fields: Record<string, unknown>): void {
  refuse(fields, NON_FINITE_NUMBERS, 'must be a finite number');
}
