import fc from 'fast-check';
import { validArbitrary, wildString, wildValue, type PropertyHints } from '../../support/json-schema-arbitrary.js';
import { resolveRef, type JsonSchema, type OpenApiDocument } from '../../support/openapi-operations.js';

/**
 * Small valid values built from a schema (its required fields, enums and formats, with real values
 * for the fields named in the hints), and the same values with exactly one field changed. Random
 * values from the whole schema rarely pass every rule at once (a known time zone, unique items, a
 * minimum of properties); an example that does, changed in one place, reaches the checks behind
 * the validator and shows which single field each answer is about.
 */

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const subSchemas = (value: unknown): JsonSchema[] => (Array.isArray(value) ? value.filter(isObject) : []);

interface ObjectShape {
  properties: Record<string, JsonSchema>;
  required: string[];
  optional: string[];
  minProperties: number;
}

/** The properties of an object schema, or of the first object among its `anyOf`/`oneOf` choices. */
function objectShapeOf(doc: OpenApiDocument, schema: JsonSchema): ObjectShape | undefined {
  const s = resolveRef(doc, schema);
  if (isObject(s.properties)) {
    const properties: Record<string, JsonSchema> = {};
    for (const [name, sub] of Object.entries(s.properties)) if (isObject(sub)) properties[name] = sub;
    const required = (Array.isArray(s.required) ? s.required.map(String) : []).filter((name) => name in properties);
    return { properties, required, optional: Object.keys(properties).filter((name) => !required.includes(name)), minProperties: num(s.minProperties) ?? 0 };
  }
  for (const choice of [...subSchemas(s.anyOf), ...subSchemas(s.oneOf)]) {
    const shape = objectShapeOf(doc, choice);
    if (shape !== undefined) return shape;
  }
  return undefined;
}

/** A value for one property: its hint when there is one (hints name what the schema cannot, e.g. a real provider), else its minimal example. */
function propertyExample(doc: OpenApiDocument, shape: ObjectShape, name: string, hints: PropertyHints): fc.Arbitrary<unknown> {
  return hints[name] ?? minimalExample(doc, shape.properties[name] ?? {}, hints);
}

/**
 * A valid value with as little in it as the schema allows: the required properties and as many
 * optional ones as `minProperties` asks (arrays: up to three items, unique where the schema asks). `nameOneProperty`: an object with nothing required
 * still gets one property, for request bodies, where an update that names no field is refused by
 * design (which no schema keyword says).
 */
export function minimalExample(doc: OpenApiDocument, schema: JsonSchema, hints: PropertyHints, options: { nameOneProperty?: boolean } = {}): fc.Arbitrary<unknown> {
  const s = resolveRef(doc, schema);
  const choices = [...subSchemas(s.anyOf), ...subSchemas(s.oneOf)];
  if (choices.length > 0) return fc.oneof(...choices.map((choice) => minimalExample(doc, choice, hints, options)));
  const shape = isObject(s.properties) ? objectShapeOf(doc, s) : undefined;
  if (shape !== undefined) {
    const wanted = Math.max(shape.minProperties - shape.required.length, options.nameOneProperty === true && shape.required.length === 0 ? 1 : 0);
    const count = Math.min(wanted, shape.optional.length);
    return fc
      .shuffledSubarray(shape.optional, { minLength: count, maxLength: count })
      .chain((chosen) => fc.record(Object.fromEntries([...shape.required, ...chosen].map((name) => [name, propertyExample(doc, shape, name, hints)]))));
  }
  if (s.type === 'array' && isObject(s.items)) {
    const item = minimalExample(doc, s.items, hints);
    const minLength = num(s.minItems) ?? 0;
    const maxLength = Math.max(minLength, Math.min(num(s.maxItems) ?? 3, 3));
    return s.uniqueItems === true ? fc.uniqueArray(item, { minLength, maxLength, selector: (v) => JSON.stringify(v) }) : fc.array(item, { minLength, maxLength });
  }
  return validArbitrary(doc, s, 0, hints);
}

/** A value with one field changed, and what was changed (for the anomaly report). */
export interface ChangedValue {
  value: unknown;
  change: string;
}

/**
 * `example` with one top-level field changed: an absent optional field added, a present one given
 * another valid value, a wild value (wrong type, odd Unicode, deep nesting) or dropped, or an
 * unknown field added. A value that is no object is replaced whole by a wild value.
 */
export function oneFieldChanged(doc: OpenApiDocument, schema: JsonSchema, example: unknown, hints: PropertyHints): fc.Arbitrary<ChangedValue> {
  const shape = objectShapeOf(doc, schema);
  if (!isObject(example) || shape === undefined) return wildValue.map((value) => ({ value, change: 'replaced whole by a wild value' }));
  const present = Object.keys(example);
  const absent = shape.optional.filter((name) => !Object.hasOwn(example, name));
  const withField = (name: string, value: unknown) => {
    const copy: Record<string, unknown> = { ...example };
    // defineProperty, so a key named `__proto__` is an own field and not the prototype.
    Object.defineProperty(copy, name, { value, enumerable: true, configurable: true, writable: true });
    return copy;
  };
  const otherValid = (name: string) => {
    const fromSchema = validArbitrary(doc, shape.properties[name] ?? {}, 0, hints);
    const hint = hints[name];
    return hint === undefined ? fromSchema : fc.oneof(hint, fromSchema);
  };
  const changes: fc.Arbitrary<ChangedValue>[] = [
    fc
      .tuple(fc.oneof(wildString.filter((k) => k.length < 100), fc.constantFrom('__proto__', 'constructor', 'prototype')), wildValue)
      .filter(([name]) => !Object.hasOwn(shape.properties, name))
      .map(([name, value]) => ({ value: withField(name, value), change: 'unknown field added' })),
  ];
  if (absent.length > 0) changes.push(fc.constantFrom(...absent).chain((name) => propertyExample(doc, shape, name, hints).map((value) => ({ value: withField(name, value), change: `${name} added` }))));
  if (present.length > 0) {
    const field = fc.constantFrom(...present);
    changes.push(
      field.chain((name) => otherValid(name).map((value) => ({ value: withField(name, value), change: `${name} revalued` }))),
      field.chain((name) => wildValue.map((value) => ({ value: withField(name, value), change: `${name} wild` }))),
      field.map((name) => {
        const copy: Record<string, unknown> = { ...example };
        delete copy[name];
        return { value: copy, change: `${name} dropped` };
      }),
    );
  }
  return fc.oneof(...changes);
}
