import fc from 'fast-check';
import { PROVIDER_IDS } from '@byok/providers';
import { fakeKey, SCENARIOS } from '@byok/mock-providers';
import { DeepNesting, nearValidArbitrary, toJsonText, validArbitrary, wildString, wildValue, type PropertyHints } from '../../support/json-schema-arbitrary.js';
import type { OpenApiDocument, Operation, OperationParameter } from '../../support/openapi-operations.js';
import { errorShapeProblem, openAiErrorShapeProblem } from './error-shape.js';
import type { SecurityApp } from './security-harness.js';

/**
 * Schema-driven fuzzing of every operation in the OpenAPI document through `app.inject`: valid
 * requests, requests with one thing wrong, and requests with nothing right — bodies, query
 * strings, path parameters and headers (malformed Authorization, wrong content types). The
 * invariants: never a 500 (nor any 5xx but an upstream's 502/504 on the proxy), every error in
 * the one error shape with its request id, and no credential or canary echoed in an answer.
 */

export interface FuzzIdentities {
  /** Authorization header values that authenticate: a user's JWT, an admin's, a gateway token. */
  user: string;
  admin: string;
  gateway: string;
  /** Ids of the fuzzed user's own resources by kind, for the `{id}` and `{…Id}` path parameters of their routes. */
  resourceIds: {
    keys: readonly string[];
    tokens: readonly string[];
    webhooks: readonly string[];
    deliveries: readonly string[];
    notifications: readonly string[];
    budgets: readonly string[];
    /** Organizations the user owns, a colleague in them, and their keys (#17). */
    orgs: readonly string[];
    orgMembers: readonly string[];
    orgKeys: readonly string[];
  };
}

/** The user's own ids a path parameter can name: a random uuid names nothing, so lookups would never be passed. */
function ownIdsFor(path: string, name: string, ids: FuzzIdentities): readonly string[] {
  if (name === 'deliveryId') return ids.resourceIds.deliveries;
  if (name === 'org') return ids.resourceIds.orgs;
  if (name === 'user_id') return ids.resourceIds.orgMembers;
  if (name !== 'id') return [];
  if (path.startsWith('/api/v1/orgs/')) return ids.resourceIds.orgKeys;
  if (path.startsWith('/api/v1/webhooks')) return ids.resourceIds.webhooks;
  if (path.startsWith('/api/v1/notifications')) return ids.resourceIds.notifications;
  if (path.startsWith('/api/v1/llm/tokens')) return ids.resourceIds.tokens;
  if (path.startsWith('/api/v1/llm/budgets')) return ids.resourceIds.budgets;
  return ids.resourceIds.keys;
}

export interface FuzzRequest {
  op: Operation;
  method: Operation['method'];
  url: string;
  headers: Record<string, string>;
  payload: string | undefined;
}

export interface FuzzAnomaly {
  kind: string;
  /** The operation, e.g. `POST /api/v1/llm/byok/keys`. */
  operation: string;
  /** The proxy reached a provider (an `x-byok-provider` header): the answer may be the provider's error. */
  upstreamReached: boolean;
  /** The request carried its own `x-request-id`. */
  clientRequestId: boolean;
  request: string;
  status: number;
  body: string;
}

export interface FuzzReport {
  cases: number;
  statuses: Record<number, number>;
  /** Operations that answered below 400 at least once (the fuzz got past validation there). */
  reachedSuccess: Set<string>;
  anomalies: FuzzAnomaly[];
}

const MODELS = [
  'gpt-4o-mini',
  'openai/gpt-4o-mini',
  'openai/gpt-4o-mini-tool-call',
  'openai/gpt-4o-mini-mid-stream-error',
  'claude-3-5-haiku-latest',
  'anthropic/claude-3-5-haiku-tool-call',
  'gemini-2.0-flash',
  'google/gemini-2.0-flash-mid-stream-error',
  'groq/llama-3.1-8b-instant',
  'meta-llama/llama-3.3-70b-instruct',
  'openrouter/auto',
];

/** Real values for parameters and properties by name, so half the requests get past the first check. */
export const FUZZ_HINTS: PropertyHints = {
  provider: fc.constantFrom(...PROVIDER_IDS),
  model: fc.constantFrom(...MODELS),
  api_key: fc.tuple(fc.constantFrom(...PROVIDER_IDS), fc.constantFrom(...SCENARIOS), fc.nat(50)).map(([p, s, n]) => fakeKey(p, s, `fuzz-${n}`)),
  user: fc.constantFrom('fuzz-user', 'fuzz-admin', 'someone-else'),
  format: fc.constantFrom('json', 'csv', 'jsonl'),
  stream: fc.boolean(),
  // A credit grant takes at most six decimals, which a random double almost never has.
  amount: fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.double({ min: 0, max: 2e6 })),
  // A webhook takes only a public https URL, which random text never is.
  url: fc.nat(1000).map((n) => `https://hooks.example.com/fuzz-${n}`),
};

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

/**
 * encodeURIComponent that does not throw on lone surrogates: they go out as the (invalid UTF-8)
 * bytes a careless client would send, `\uD800` as `%ED%A0%80`.
 */
export function encodeUriLoosely(text: string): string {
  return text.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]|[\s\S]/g, (part) => {
    if (part.length === 2 || part.charCodeAt(0) < 0xd800 || part.charCodeAt(0) > 0xdfff) return encodeURIComponent(part);
    const code = part.charCodeAt(0);
    return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
  });
}

const queryPart = (name: string, value: unknown) => `${encodeUriLoosely(name)}=${encodeUriLoosely(typeof value === 'string' ? value : JSON.stringify(value) ?? '')}`;

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
export function requestArbitrary(doc: OpenApiDocument, operations: Operation[], ids: FuzzIdentities): fc.Arbitrary<FuzzRequest> {
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
        return { op, method: op.method, url: query === '' ? filled : `${filled}?${query}`, headers, payload: body };
      });
  });
}

const describeRequest = (r: FuzzRequest) =>
  `${r.method} ${r.url.slice(0, 300)} headers=${JSON.stringify(r.headers).slice(0, 300)} body=${r.payload === undefined ? '-' : `${r.payload.slice(0, 300)}${r.payload.length > 300 ? `…(${r.payload.length} chars)` : ''}`}`;

/** The credential of an Authorization header, when long enough that finding it in an answer means an echo. */
const credentialOf = (header: string | undefined) => {
  const value = header?.replace(/^\s*\S+\s+/, '').trim() ?? '';
  return value.length >= 16 ? value : undefined;
};

/**
 * Runs `numRuns` generated requests against the app, one at a time, and reports every broken
 * invariant. `needles` are texts no answer may contain (the run's canary keys).
 */
export async function runSchemaFuzz(options: {
  app: SecurityApp;
  doc: OpenApiDocument;
  operations: Operation[];
  ids: FuzzIdentities;
  needles: readonly string[];
  numRuns: number;
  seed: number;
  /**
   * Called after every `restoreEvery` requests: puts back the resources the fuzz deleted or
   * disabled, so a long run keeps reaching the routes that look them up.
   */
  restore?: () => Promise<void>;
  restoreEvery?: number;
}): Promise<FuzzReport> {
  const report: FuzzReport = { cases: 0, statuses: {}, reachedSuccess: new Set(), anomalies: [] };
  const isProxy = (op: Operation) => op.tags.includes('proxy');
  await fc.check(
    fc.asyncProperty(requestArbitrary(options.doc, options.operations, options.ids), async (request) => {
      const res = await options.app.inject({ method: request.method, url: request.url, headers: request.headers, ...(request.payload !== undefined ? { payload: request.payload } : {}) });
      report.cases++;
      report.statuses[res.statusCode] = (report.statuses[res.statusCode] ?? 0) + 1;
      const operation = `${request.op.method} ${request.op.path}`;
      const upstreamReached = isProxy(request.op) && typeof res.headers['x-byok-provider'] === 'string';
      const anomaly = (kind: string) => {
        report.anomalies.push({
          kind,
          operation,
          upstreamReached,
          clientRequestId: request.headers['x-request-id'] !== undefined,
          request: describeRequest(request),
          status: res.statusCode,
          body: res.body.slice(0, 500),
        });
      };
      if (res.statusCode < 400) report.reachedSuccess.add(operation);
      // A provider's own 5xx may pass through the proxy (502, 503 overloaded, 504); nothing else may.
      if (res.statusCode === 500) anomaly('500');
      else if (res.statusCode > 500 && !(upstreamReached || (isProxy(request.op) && [502, 504].includes(res.statusCode)))) anomaly(`unexpected ${res.statusCode}`);
      if (res.statusCode >= 400) {
        // The proxy answers a provider's error in OpenAI's documented shape (which OpenAI clients parse).
        const problem = upstreamReached && openAiErrorShapeProblem(res) === undefined ? undefined : errorShapeProblem(res);
        if (problem !== undefined) anomaly(`error shape: ${problem}`);
      }
      const text = `${res.body}\n${JSON.stringify(res.headers)}`;
      const credential = credentialOf(request.headers.authorization);
      if (credential !== undefined && text.includes(credential)) anomaly('echoes the Authorization credential');
      if (options.needles.some((n) => text.includes(n))) anomaly('contains a canary');
      if (options.restore !== undefined && report.cases % (options.restoreEvery ?? 250) === 0) await options.restore();
      return true;
    }),
    { numRuns: options.numRuns, seed: options.seed, endOnFailure: true },
  );
  return report;
}

/** Anomalies grouped by kind, operation and status, with the first example of each, for a readable failure. */
export function summarize(report: FuzzReport, seed: number): string[] {
  const groups = new Map<string, { count: number; example: FuzzAnomaly }>();
  for (const a of report.anomalies) {
    const key = `${a.kind.replace(/: [\s\S]*$/, (m) => m.slice(0, 60))} — ${a.operation} → ${a.status}`;
    const group = groups.get(key);
    if (group) group.count++;
    else groups.set(key, { count: 1, example: a });
  }
  return [...groups.entries()].map(([key, g]) => `${key} (${g.count}×, seed ${seed}); e.g. ${g.example.request}\n    answer: ${g.example.body}`);
}
