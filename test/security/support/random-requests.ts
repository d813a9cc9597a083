import fc from 'fast-check';
import { DeepNesting, nearValidArbitrary, toJsonText, validArbitrary, wildString, wildValue } from '../../support/json-schema-arbitrary.js';
import type { OpenApiDocument, Operation, OperationParameter } from '../../support/openapi-operations.js';
import { encodeUriLoosely, FUZZ_HINTS, ownIdsFor, queryPart, type FuzzIdentities, type FuzzRequest } from './fuzz-request.js';

/**
 * The hostile half of the schema fuzz: every part of a request generated independently, valid
 * (from the schema and the hints), near-valid or wild — bodies, query strings, path parameters
 * and headers (malformed Authorization, wrong content types, lone surrogates, NUL, deep nesting).
 */

const headerChar = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
const headerString = (maxLength: number) => fc.string({ unit: headerChar, maxLength });

function authorization(ids: FuzzIdentities): fc.Arbitrary<string | undefined> {
  const jwt = ids.user.replace(/^Bearer /, '');
  return fc.oneof(
    { arbitrary: fc.constant(ids.user), weight: 8 },
    { arbitrary: fc.constant(ids.admin), weight: 3 },
    { arbitrary: fc.constant(ids.gateway), weight: 2 },
    { arbitrary: fc.constant(undefined), weight: 1 },
    { arbitrary: headerString(80), weight: 1 },
    { arbitrary: headerString(80).map((s) => `Bearer ${s}`), weight: 1 },
    { arbitrary: fc.constantFrom(`bearer  ${jwt}`, `Bearer ${jwt} `, `Bearer ${jwt}x`, `Bearer ${jwt.split('.').slice(0, 2).join('.')}.`, `Basic ${jwt}`, `Bearer ${'a'.repeat(9000)}`, 'Bearer byok_', 'Bearer a.b.c'), weight: 1 },
  );
}

const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/json; charset=utf-16',
  'application/jsonx',
  'application/merge-patch+json',
  ';;;',
];

function contentType(): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { arbitrary: fc.constant('application/json'), weight: 12 },
    { arbitrary: fc.constant('application/json; charset=utf-8'), weight: 2 },
    { arbitrary: fc.constantFrom(...CONTENT_TYPES), weight: 2 },
    { arbitrary: headerString(40), weight: 1 },
    { arbitrary: fc.constant(undefined), weight: 1 },
  );
}

function pathValue(doc: OpenApiDocument, path: string, p: OperationParameter, ids: FuzzIdentities): fc.Arbitrary<string> {
  const valid = validArbitrary(doc, p.schema, 0, FUZZ_HINTS).map(String);
  // A random uuid names nothing; a real id lets deletes and disables get past their lookup.
  const own = ownIdsFor(path, p.name, ids);
  const hint = own.length > 0 ? fc.constantFrom(...own) : FUZZ_HINTS[p.name];
  return fc.oneof(
    { arbitrary: hint ? hint.map(String) : valid, weight: 4 },
    { arbitrary: valid, weight: 2 },
    { arbitrary: fc.oneof(wildString.filter((s) => s.length < 2000), fc.uuid()).map(encodeUriLoosely), weight: 3 },
    { arbitrary: fc.constantFrom('%zz', '%', '..', '%2e%2e', '%00', '%c0%ae', '%252f', 'a%2Fb', ' ', '%20'), weight: 1 },
  );
}

function queryString(doc: OpenApiDocument, params: OperationParameter[]): fc.Arbitrary<string> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const p of params) model[p.name] = FUZZ_HINTS[p.name] ? fc.oneof(FUZZ_HINTS[p.name] ?? fc.constant(''), validArbitrary(doc, p.schema)) : validArbitrary(doc, p.schema);
  const valid = fc.record(model, { requiredKeys: params.filter((p) => p.required).map((p) => p.name) });
  const near = fc.tuple(valid, fc.oneof(fc.constantFrom(...params.map((p) => p.name), 'unknown', '__proto__', 'constructor'), wildString.filter((s) => s.length < 100)), wildValue, fc.boolean()).map(([q, name, value, repeat]) =>
    [...Object.entries(q).map(([k, v]) => queryPart(k, v)), queryPart(name, value instanceof DeepNesting ? 'x' : value), ...(repeat ? [queryPart(name, 'again')] : [])].join('&'),
  );
  return fc.oneof(
    { arbitrary: fc.constant(''), weight: 2 },
    { arbitrary: valid.map((q) => Object.entries(q).map(([k, v]) => queryPart(k, v)).join('&')), weight: params.length > 0 ? 4 : 0 },
    { arbitrary: near, weight: 3 },
    { arbitrary: fc.string({ unit: fc.constantFrom(...'abcdefz019%&=+[]._~-'.split('')), maxLength: 60 }), weight: 1 },
  );
}

function bodyText(doc: OpenApiDocument, op: Operation): fc.Arbitrary<string | undefined> {
  const wild = fc.oneof(
    wildValue.map(toJsonText),
    fc.constantFrom('{', '{"a":', '[1,2', 'null', '""', 'true', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}', '\u0000', '\uFEFF{}'),
    fc.integer({ min: 1000, max: 60_000 }).map((d) => toJsonText(new DeepNesting(d, 'array'))),
  );
  if (op.body === undefined) return fc.oneof({ arbitrary: fc.constant(undefined), weight: 8 }, { arbitrary: wild, weight: 1 });
  return fc.oneof(
    { arbitrary: validArbitrary(doc, op.body, 0, FUZZ_HINTS).map(toJsonText), weight: 4 },
    { arbitrary: nearValidArbitrary(doc, op.body, FUZZ_HINTS).map(toJsonText), weight: 5 },
    { arbitrary: wild, weight: 2 },
    { arbitrary: fc.constant(undefined), weight: 1 },
  );
}

/** One request to one operation, everything about it generated. */
export function randomRequestArbitrary(doc: OpenApiDocument, operations: Operation[], ids: FuzzIdentities): fc.Arbitrary<FuzzRequest> {
  return fc.constantFrom(...operations).chain((op) => {
    const pathParams = op.parameters.filter((p) => p.in === 'path');
    const pathValues = fc.tuple(...pathParams.map((p) => pathValue(doc, op.path, p, ids)));
    return fc
      .record({
        path: pathValues,
        query: queryString(doc, op.parameters.filter((p) => p.in === 'query')),
        authorization: authorization(ids),
        contentType: contentType(),
        accept: fc.option(fc.oneof(fc.constantFrom('text/csv', 'application/x-ndjson', 'application/json', '*/*', 'text/event-stream'), headerString(30)), { nil: undefined }),
        requestId: fc.option(fc.oneof(headerString(40), fc.constant('x'.repeat(200))), { nil: undefined, freq: 8 }),
        body: bodyText(doc, op),
      })
      .map(({ path, query, authorization: auth, contentType: type, accept, requestId, body }) => {
        let i = 0;
        const filled = op.path.replace(/\{[^}]+\}/g, () => path[i++] ?? 'x');
        const headers: Record<string, string> = {};
        if (auth !== undefined) headers.authorization = auth;
        if (type !== undefined && body !== undefined) headers['content-type'] = type;
        if (accept !== undefined) headers.accept = accept;
        if (requestId !== undefined) headers['x-request-id'] = requestId;
        return { op, method: op.method, url: query === '' ? filled : `${filled}?${query}`, headers, payload: body, origin: 'random' };
      });
  });
}

