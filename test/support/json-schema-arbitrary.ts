import fc from 'fast-check';
import { resolveRef, type JsonSchema, type OpenApiDocument } from './openapi-operations.js';

/**
 * fast-check arbitraries from the JSON Schemas of an OpenAPI document: values the schema accepts,
 * values close to it (one field wrong, missing or extra), and values that have nothing to do with
 * it (any JSON, nulls, huge strings, odd Unicode, deep nesting). Deeply nested values are kept
 * as `DeepNesting` markers and written out by `toJsonText`, because building them as objects
 * would overflow the test's own stack in JSON.stringify.
 */

/** A placeholder for `depth` levels of nested arrays or objects around a number. */
export class DeepNesting {
  constructor(
    readonly depth: number,
    readonly kind: 'array' | 'object',
  ) {}
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const subSchemas = (value: unknown): JsonSchema[] => (Array.isArray(value) ? value.filter(isObject) : []);

/** JSON text for a generated value; `DeepNesting` markers become nested brackets. */
export function toJsonText(value: unknown): string {
  if (value instanceof DeepNesting) {
    return value.kind === 'array' ? `${'['.repeat(value.depth)}1${']'.repeat(value.depth)}` : `${'{"a":'.repeat(value.depth)}1${'}'.repeat(value.depth)}`;
  }
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (isObject(value)) return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`).join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

/** Strings that have broken parsers, validators, databases and log formats before. */
const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  '../../../etc/passwd',
  "'; DROP TABLE user_provider_keys; --",
  '%00',
  '%E0%A4%A',
  '\uD800',
  '\uDFFF\uD800',
  '\u202Eevil',
  '😀'.repeat(40),
  'e\u0301'.repeat(30),
  '\r\n\r\nX-Injected: 1',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the text of a log-injection payload, on purpose.
  '${jndi:ldap://x}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '9'.repeat(400),
  '-0',
  '1e309',
  'NaN',
  'true',
];

/** Any string, weighted towards the awkward: Unicode of every kind, lone surrogates, long runs. */
export const wildString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ maxLength: 40 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 2 },
  { arbitrary: fc.constantFrom(...NASTY_STRINGS), weight: 3 },
  { arbitrary: fc.integer({ min: 200, max: 5000 }).map((n) => 'x'.repeat(n)), weight: 1 },
  { arbitrary: fc.constantFrom(70_000, 300_000).map((n) => 'A'.repeat(n)), weight: 1 },
);

/** Any JSON-ish value, including the shapes JSON.stringify turns into null and deep nesting. */
export const wildValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.constant(null), weight: 3 },
  { arbitrary: wildString, weight: 4 },
  { arbitrary: fc.constantFrom(0, -0, 1, -1, 0.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 31, -(2 ** 31) - 1, Number.NaN, Number.POSITIVE_INFINITY), weight: 2 },
  { arbitrary: fc.boolean(), weight: 1 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 3 },
  { arbitrary: fc.array(wildString, { maxLength: 5 }), weight: 1 },
  { arbitrary: fc.tuple(fc.integer({ min: 50, max: 20_000 }), fc.constantFrom('array' as const, 'object' as const)).map(([d, k]) => new DeepNesting(d, k)), weight: 1 },
);

/**
 * Good values for properties by name (e.g. real provider ids for `provider`), mixed in half the
 * time, so generated requests get past the first check often enough to reach deeper code.
 */
export type PropertyHints = Readonly<Record<string, fc.Arbitrary<unknown>>>;

/** A value the schema accepts (as far as this generator understands the schema). */
export function validArbitrary(doc: OpenApiDocument, schema: JsonSchema, depth = 0, hints: PropertyHints = {}): fc.Arbitrary<unknown> {
  const s = resolveRef(doc, schema);
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.enum) && s.enum.length > 0) return fc.constantFrom(...s.enum);
  const anyOf = [...subSchemas(s.anyOf), ...subSchemas(s.oneOf)];
  if (anyOf.length > 0) return fc.oneof(...anyOf.map((sub) => validArbitrary(doc, sub, depth + 1, hints)));
  const allOf = subSchemas(s.allOf);
  if (allOf.length > 0) {
    return fc.tuple(...allOf.map((sub) => validArbitrary(doc, sub, depth + 1, hints))).map((parts) => Object.assign({}, ...parts.filter(isObject)));
  }
  const type = Array.isArray(s.type) ? s.type.map(String) : typeof s.type === 'string' ? [s.type] : isObject(s.properties) ? ['object'] : [];
  if (type.length > 1) return fc.oneof(...type.map((t) => validArbitrary(doc, { ...s, type: t }, depth + 1, hints)));
  switch (type[0]) {
    case 'object':
      return objectArbitrary(doc, s, depth, hints);
    case 'array': {
      const items = isObject(s.items) ? validArbitrary(doc, s.items, depth + 1, hints) : fc.jsonValue({ maxDepth: 2 });
      return fc.array(items, { minLength: num(s.minItems) ?? 0, maxLength: Math.min(num(s.maxItems) ?? 4, depth > 3 ? 1 : 4) });
    }
    case 'string':
      return stringArbitrary(s);
    case 'integer': {
      const min = num(s.minimum) ?? (num(s.exclusiveMinimum) !== undefined ? Math.floor(num(s.exclusiveMinimum) ?? 0) + 1 : -1000);
      const max = num(s.maximum) ?? min + 100_000;
      return fc.integer({ min, max });
    }
    case 'number': {
      const min = num(s.minimum) ?? num(s.exclusiveMinimum) ?? -1000;
      const max = num(s.maximum) ?? min + 100_000;
      return fc.double({ min, max, noNaN: true, noDefaultInfinity: true }).filter((n) => num(s.exclusiveMinimum) === undefined || n > (num(s.exclusiveMinimum) ?? 0));
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function objectArbitrary(doc: OpenApiDocument, s: JsonSchema, depth: number, hints: PropertyHints): fc.Arbitrary<unknown> {
  const properties = isObject(s.properties) ? s.properties : {};
  const required = Array.isArray(s.required) ? s.required.map(String) : [];
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, sub] of Object.entries(properties)) {
    if (!isObject(sub)) continue;
    const fromSchema = validArbitrary(doc, sub, depth + 1, hints);
    const hint = hints[name];
    model[name] = hint === undefined ? fromSchema : fc.oneof(hint, fromSchema);
  }
  const known = fc.record(model, { requiredKeys: required.filter((r) => r in model) });
  const additional = s.additionalProperties;
  if (Object.keys(model).length > 0 || additional === false || additional === undefined) return known;
  const values = isObject(additional) && Object.keys(additional).length > 0 ? validArbitrary(doc, additional, depth + 1, hints) : fc.jsonValue({ maxDepth: 2 });
  const maxKeys = Math.min(num(s.maxProperties) ?? 5, 5);
  return fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }), values, { maxKeys });
}

function stringArbitrary(s: JsonSchema): fc.Arbitrary<string> {
  const minLength = num(s.minLength) ?? 0;
  const maxLength = Math.min(num(s.maxLength) ?? 60, 400);
  if (s.format === 'uuid') return fc.uuid();
  if (s.format === 'date') return fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
  if (s.format === 'date-time') return fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
  if (typeof s.pattern === 'string') {
    return fc.stringMatching(new RegExp(s.pattern)).filter((v) => v.length >= minLength && v.length <= maxLength);
  }
  return fc.oneof(fc.string({ minLength, maxLength }), fc.string({ unit: 'grapheme', minLength, maxLength })).filter((v) => v.length >= minLength && v.length <= maxLength);
}

/**
 * A value near the schema: a valid value with one thing wrong (a field replaced by a wild value,
 * a required field removed, an unknown field added, the whole value swapped for null), or any
 * wild value at all.
 */
export function nearValidArbitrary(doc: OpenApiDocument, schema: JsonSchema, hints: PropertyHints = {}): fc.Arbitrary<unknown> {
  const valid = validArbitrary(doc, schema, 0, hints);
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('replace' as const), pick: fc.nat(), value: wildValue }),
    fc.record({ kind: fc.constant('drop' as const), pick: fc.nat() }),
    fc.record({ kind: fc.constant('extra' as const), key: fc.oneof(wildString.filter((k) => k.length < 100), fc.constantFrom('__proto__', 'constructor', 'prototype')), value: wildValue }),
  );
  const mutated = fc.tuple(valid, mutation).map(([value, m]) => {
    if (!isObject(value)) return m.kind === 'replace' ? m.value : value;
    const copy: Record<string, unknown> = { ...value };
    const keys = Object.keys(copy);
    if (m.kind === 'extra') {
      Object.defineProperty(copy, m.key, { value: m.value, enumerable: true, configurable: true, writable: true });
    } else if (keys.length > 0) {
      const key = keys[m.pick % keys.length] ?? '';
      if (m.kind === 'drop') delete copy[key];
      else copy[key] = m.value;
    }
    return copy;
  });
  return fc.oneof({ arbitrary: mutated, weight: 4 }, { arbitrary: wildValue, weight: 1 });
}

/** The smallest value a schema accepts, built without randomness (first choice everywhere). */
export function minimalInstance(doc: OpenApiDocument, schema: JsonSchema): unknown {
  const s = resolveRef(doc, schema);
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  const choices = [...subSchemas(s.anyOf), ...subSchemas(s.oneOf)];
  const firstChoice = choices.find((c) => resolveRef(doc, c).type !== 'null') ?? choices[0];
  if (firstChoice) return minimalInstance(doc, firstChoice);
  const type = Array.isArray(s.type) ? String(s.type[0]) : typeof s.type === 'string' ? s.type : isObject(s.properties) ? 'object' : 'null';
  switch (type) {
    case 'object': {
      const properties = isObject(s.properties) ? s.properties : {};
      const required = Array.isArray(s.required) ? s.required.map(String) : [];
      const out: Record<string, unknown> = {};
      for (const name of required) {
        const sub = properties[name];
        out[name] = isObject(sub) ? minimalInstance(doc, sub) : null;
      }
      return out;
    }
    case 'array': {
      const count = num(s.minItems) ?? 0;
      return Array.from({ length: count }, () => (isObject(s.items) ? minimalInstance(doc, s.items) : null));
    }
    case 'string':
      if (s.format === 'uuid') return '00000000-0000-4000-8000-000000000000';
      if (s.format === 'date') return '2026-01-01';
      if (s.format === 'date-time') return '2026-01-01T00:00:00.000Z';
      return 'x'.repeat(Math.max(1, num(s.minLength) ?? 1));
    case 'integer':
    case 'number':
      return num(s.minimum) ?? (num(s.exclusiveMinimum) ?? 0) + 1;
    case 'boolean':
      return false;
    default:
      return null;
  }
}
