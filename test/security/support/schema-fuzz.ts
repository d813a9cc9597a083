import fc from 'fast-check';
import type { OpenApiDocument, Operation } from '../../support/openapi-operations.js';
import { errorShapeProblem, openAiErrorShapeProblem } from './error-shape.js';
import { exampleRequestArbitrary } from './example-requests.js';
import type { FuzzIdentities, FuzzRequest } from './fuzz-request.js';
import { randomRequestArbitrary } from './random-requests.js';
import type { SecurityApp } from './security-harness.js';

/**
 * Schema-driven fuzzing of every operation in the OpenAPI document through `app.inject`: valid
 * requests, requests with one thing wrong, and requests with nothing right — bodies, query
 * strings, path parameters and headers (malformed Authorization, wrong content types). The
 * invariants: never a 500 (nor any 5xx but an upstream's 502/504 on the proxy), every error in
 * the one error shape with its request id, and no credential or canary echoed in an answer.
 *
 * Three requests in four are random (random-requests.ts): each part drawn on its own, so a request
 * that passes every rule of an operation at once is rare for the operations with many rules. The
 * fourth is a valid example of its operation, sent as is or with one field changed
 * (example-requests.ts), so every operation is also reached past its validation and lookups.
 */
const RANDOM_WEIGHT = 3;
const EXAMPLE_WEIGHT = 1;
/** The least share of requests that are an operation's valid example sent unchanged (half the examples are, all of an operation with no body or query). */
export const UNCHANGED_EXAMPLE_SHARE = EXAMPLE_WEIGHT / (RANDOM_WEIGHT + EXAMPLE_WEIGHT) / 2;

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
  /** Those of them that a random request (not one made from an example) reached. */
  reachedByRandom: Set<string>;
  /** Valid examples sent unchanged, and how many of them answered below 400 (the others met a row the fuzz had deleted, or a conflict). */
  unchangedExamples: { sent: number; succeeded: number };
  anomalies: FuzzAnomaly[];
}

const describeRequest = (r: FuzzRequest) =>
  `(${r.origin}) ${r.method} ${r.url.slice(0, 300)} headers=${JSON.stringify(r.headers).slice(0, 300)} body=${r.payload === undefined ? '-' : `${r.payload.slice(0, 300)}${r.payload.length > 300 ? `…(${r.payload.length} chars)` : ''}`}`;

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
  const report: FuzzReport = { cases: 0, statuses: {}, reachedSuccess: new Set(), reachedByRandom: new Set(), unchangedExamples: { sent: 0, succeeded: 0 }, anomalies: [] };
  const isProxy = (op: Operation) => op.tags.includes('proxy');
  const requests = fc.oneof(
    { arbitrary: randomRequestArbitrary(options.doc, options.operations, options.ids), weight: RANDOM_WEIGHT },
    { arbitrary: exampleRequestArbitrary(options.doc, options.operations, options.ids), weight: EXAMPLE_WEIGHT },
  );
  await fc.check(
    fc.asyncProperty(requests, async (request) => {
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
      if (res.statusCode < 400 && request.origin === 'random') report.reachedByRandom.add(operation);
      if (request.origin === 'example') {
        report.unchangedExamples.sent++;
        if (res.statusCode < 400) report.unchangedExamples.succeeded++;
      }
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
