import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ProviderId } from '@byok/providers';
import type { Scenario } from './fake-keys.js';

/** One request the mock received. Holds no key text: only a hash of the presented credential. */
export interface MockCall {
  /** `null` for requests outside every provider prefix (e.g. the redirect target). */
  provider: ProviderId | null;
  /** The name of the route that handled it, or `not-found` / `redirect-target`. */
  route: string;
  method: string;
  /** Path below the provider prefix as the real API would see it; a `key=` query value is masked. */
  path: string;
  /** `credentialId()` of the presented key, `null` when none was presented. */
  credential: string | null;
  /** The scenario the key decoded to, `null` when the key was missing or unknown. */
  scenario: Scenario | null;
  /** Epoch milliseconds when the request arrived. */
  at: number;
  /** True when the client went away before the response was complete. */
  aborted: boolean;
}

/** A canned answer: an object body is sent as JSON, a string body as is with `contentType`. */
export interface MockReply {
  status: number;
  headers?: Readonly<Record<string, string>>;
  body: unknown;
  contentType?: string;
}

/** Settings shared by every route of one mock server. */
export interface MockSettings {
  /** The server's own origin, e.g. `http://127.0.0.1:8090`. */
  url: string;
  /** How long the `slow` scenario waits before answering. */
  slowDelayMs: number;
}

/** Everything a route handler gets for one request. */
export interface MockContext {
  req: IncomingMessage;
  res: ServerResponse;
  provider: ProviderId;
  /** Path below the provider prefix, without the query (e.g. `/v1/models`). */
  path: string;
  /** Capture groups when the route's path is a RegExp. */
  params: readonly string[];
  query: URLSearchParams;
  /** The call record; `guard()` fills in credential and scenario. */
  call: MockCall;
  /** Aborted when the client disconnects or the server closes; long waits must honour it. */
  signal: AbortSignal;
  settings: MockSettings;
  /** Per-key call counters shared by all routes of the server (cleared by `resetCalls`). */
  counters: Map<string, number>;
  /** The request body as text (read once, cached). */
  readBody(): Promise<string>;
  /** The request body parsed as JSON; `undefined` when it is not JSON. */
  readJson(): Promise<unknown>;
}

/**
 * One route of the mock. The server tries `extraRoutes` first, then its built-in routes, and
 * runs the first whose provider, method and path match. A string path must match exactly; a
 * RegExp must match the whole path (anchor it).
 */
export interface MockRoute {
  name: string;
  provider: ProviderId;
  method: 'GET' | 'POST';
  path: string | RegExp;
  handle(ctx: MockContext): Promise<void> | void;
}
