/**
 * The operations of an OpenAPI 3 document as plain data, for tests generated from the route
 * table: every path, method, parameter (with its schema) and JSON body schema. The document is
 * the one the API serves at /docs/json, so a route added with a schema shows up here by itself.
 */

/** A JSON Schema as the document carries it; read field by field, never trusted. */
export type JsonSchema = { readonly [key: string]: unknown };

export interface OperationParameter {
  in: 'path' | 'query' | 'header' | 'cookie';
  name: string;
  required: boolean;
  schema: JsonSchema;
}

export interface Operation {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** OpenAPI spelling: `/api/v1/llm/byok/keys/{provider}`. */
  path: string;
  tags: string[];
  /** True when the operation declares `security: []` (no credentials needed). */
  public: boolean;
  parameters: OperationParameter[];
  /** The `application/json` request body's schema, with `$ref`s still in place. */
  body: JsonSchema | undefined;
  bodyRequired: boolean;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, JsonSchema> };
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks the shape the helpers below rely on and returns the document typed. */
export function parseOpenApiDocument(json: unknown): OpenApiDocument {
  if (!isObject(json) || !isObject(json.paths)) throw new Error('not an OpenAPI document: no `paths`');
  const components = isObject(json.components) && isObject(json.components.schemas) ? json.components.schemas : {};
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, item] of Object.entries(json.paths)) if (isObject(item)) paths[path] = item;
  const schemas: Record<string, JsonSchema> = {};
  for (const [name, schema] of Object.entries(components)) if (isObject(schema)) schemas[name] = schema;
  return { paths, components: { schemas } };
}

/** Every operation in the document, in document order. */
export function listOperations(doc: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method.toLowerCase()];
      if (!isObject(op)) continue;
      const parameters = (Array.isArray(op.parameters) ? op.parameters : []).filter(isObject).map(
        (p): OperationParameter => ({
          in: p.in === 'path' || p.in === 'query' || p.in === 'header' || p.in === 'cookie' ? p.in : 'query',
          name: String(p.name),
          required: p.required === true,
          schema: isObject(p.schema) ? p.schema : {},
        }),
      );
      const requestBody = isObject(op.requestBody) ? op.requestBody : undefined;
      const content = requestBody && isObject(requestBody.content) ? requestBody.content : undefined;
      const json = content && isObject(content['application/json']) ? content['application/json'] : undefined;
      operations.push({
        method,
        path,
        tags: Array.isArray(op.tags) ? op.tags.map(String) : [],
        public: Array.isArray(op.security) && op.security.length === 0,
        parameters,
        body: json && isObject(json.schema) ? json.schema : undefined,
        bodyRequired: requestBody?.required === true,
      });
    }
  }
  return operations;
}

/** Follows `$ref: '#/components/schemas/X'` (or a bare `X`, as @fastify/swagger sometimes writes). */
export function resolveRef(doc: OpenApiDocument, schema: JsonSchema): JsonSchema {
  let current = schema;
  for (let depth = 0; typeof current.$ref === 'string' && depth < 20; depth++) {
    const name = current.$ref.replace(/^#\/components\/schemas\//, '');
    const target = doc.components.schemas[name];
    if (target === undefined) throw new Error(`unresolvable $ref ${current.$ref}`);
    current = target;
  }
  return current;
}

/** The names of an object schema's properties (through `$ref`, `anyOf`, `allOf`). */
export function propertyNames(doc: OpenApiDocument, schema: JsonSchema | undefined): string[] {
  if (schema === undefined) return [];
  const resolved = resolveRef(doc, schema);
  const names = new Set<string>();
  if (isObject(resolved.properties)) for (const name of Object.keys(resolved.properties)) names.add(name);
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const list = resolved[key];
    if (Array.isArray(list)) for (const sub of list) if (isObject(sub)) for (const name of propertyNames(doc, sub)) names.add(name);
  }
  return [...names];
}

/** Fills `{name}` segments of an OpenAPI path, URL-encoding each value. */
export function fillPath(path: string, values: Readonly<Record<string, string>>): string {
  return path.replace(/\{([^}]+)\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for path parameter ${name} of ${path}`);
    return encodeURIComponent(value);
  });
}
