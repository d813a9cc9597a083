import { type JsonRecord, isRecord } from '../json-guards.js';

/**
 * Gemini's function `parameters` take an OpenAPI 3.0 subset and answer 400 to unknown keywords —
 * notably `additionalProperties`, which every OpenAI strict-mode tool carries, and `$schema`.
 * This keeps the keywords Gemini documents and rewrites the two common JSON Schema idioms it
 * lacks: `type: [T, "null"]` becomes `type: T, nullable: true`, and `const` becomes a one-value enum.
 */
const KEPT = new Set([
  'type', 'format', 'title', 'description', 'nullable', 'enum', 'default', 'example',
  'minItems', 'maxItems', 'minLength', 'maxLength', 'pattern', 'minimum', 'maximum',
  'minProperties', 'maxProperties', 'required', 'propertyOrdering',
]);

/** A copy of a JSON Schema that Gemini accepts. */
export function toGeminiSchema(schema: JsonRecord): JsonRecord {
  const out: JsonRecord = {};
  for (const [key, value] of Object.entries(schema)) {
    if (KEPT.has(key)) out[key] = value;
    else if (key === 'const') out.enum = [value];
    else if (key === 'items' && isRecord(value)) out.items = toGeminiSchema(value);
    else if (key === 'anyOf' && Array.isArray(value)) out.anyOf = value.filter(isRecord).map(toGeminiSchema);
    else if (key === 'properties' && isRecord(value)) {
      const properties: JsonRecord = {};
      for (const [name, property] of Object.entries(value)) if (isRecord(property)) properties[name] = toGeminiSchema(property);
      out.properties = properties;
    }
  }
  if (Array.isArray(out.type)) {
    const types = out.type.filter((t) => t !== 'null');
    if (types.length < out.type.length) out.nullable = true;
    out.type = types[0] ?? 'string';
  }
  return out;
}

/**
 * The `parameters` for a function declaration, or undefined for a function without parameters:
 * Gemini rejects an OBJECT schema whose `properties` is empty.
 */
export function geminiParameters(parameters: unknown): JsonRecord | undefined {
  if (!isRecord(parameters)) return undefined;
  const schema = toGeminiSchema(parameters);
  if (schema.type === 'object' && (!isRecord(schema.properties) || Object.keys(schema.properties).length === 0)) return undefined;
  return schema;
}
