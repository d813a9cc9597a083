/**
 * Type guards for reading untyped upstream JSON without casts. Upstream bodies are `unknown`
 * until one of these narrows them; nothing in the adapters trusts a provider's shape blindly.
 */

/** A plain JSON object (not an array, not null). */
export type JsonRecord = Record<string, unknown>;

/** True for a JSON object; arrays and null are not records. */
export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value when it is a string, otherwise undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The value when it is a finite number, otherwise undefined. */
export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The value when it is a record, otherwise undefined. */
export function rec(value: unknown): JsonRecord | undefined {
  return isRecord(value) ? value : undefined;
}

/** The value when it is an array, otherwise an empty array (so callers can iterate without checks). */
export function arr(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** JSON.parse that returns undefined instead of throwing; upstream text is untrusted input. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
