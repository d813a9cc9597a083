import type { Dispatcher } from 'undici';
import { authHeaders } from '../auth-headers.js';
import type { ProviderDefinition } from '../provider-definition.js';
import { parseJson, summarizeErrorBody } from './error-summary.js';
import { sendProbe, type ProbeResult } from './http-probe.js';
import { classifyStatus } from './outcome-rules.js';
import { readRetryAfterMs } from './retry-after.js';
import { scrubSecret, tidyText } from './secret-scrubber.js';
import { SUCCESS_READERS } from './success-readers.js';
import type { ValidationOutcome } from './validation-outcome.js';
import type { ValidationSpec } from './validation-spec.js';

/** Options of one key check. */
export interface ValidateKeyOptions {
  provider: ProviderDefinition;
  /** The provider's base URL (its `defaultBaseUrl` unless configured otherwise, e.g. a mock). */
  baseUrl: string;
  apiKey: string;
  /** Deadline for the whole exchange: connect, headers and body. */
  timeoutMs: number;
  dispatcher?: Dispatcher;
}

/** Upstream text is cut to this before it goes into a message. */
const MAX_UPSTREAM_CHARS = 200;
/** No message is longer than this, whatever the upstream said. */
export const MAX_MESSAGE_CHARS = 400;
/** Only the start of a body is scanned for secrets and summarised; the rest never reaches a message. */
const MAX_SCANNED_CHARS = 4096;

function buildUrl(baseUrl: string, spec: ValidationSpec): string {
  const query = spec.query ? `?${new URLSearchParams(spec.query).toString()}` : '';
  return `${baseUrl.replace(/\/+$/, '')}${spec.path}${query}`;
}

function buildHeaders(provider: ProviderDefinition, apiKey: string, hasBody: boolean): Record<string, string> {
  return {
    accept: 'application/json',
    'user-agent': 'byok-gateway-key-check',
    ...(hasBody ? { 'content-type': 'application/json' } : {}),
    ...authHeaders(provider.auth, apiKey),
  };
}

/**
 * Checks a key with the provider's one cheap authenticated call (see each provider's `validation`
 * spec) and says what the answer means. Never throws for provider or network trouble: an invalid
 * key, no credit, a rate limit, a timeout, a 5xx or a redirect are all outcomes. Redirects are
 * never followed, and no message contains the key or any 8-character run of it.
 */
export async function validateKey(opts: ValidateKeyOptions): Promise<ValidationOutcome> {
  const { provider, apiKey } = opts;
  const started = performance.now();
  const latency = (): number => Math.round(performance.now() - started);

  // A header cannot carry such a key, and sending it would only produce a client-side error.
  if (apiKey.length === 0 || !/^[\x21-\x7e]+$/.test(apiKey)) {
    return { status: 'invalid', message: `The key is empty or contains characters no ${provider.displayName} key has.`, latencyMs: latency() };
  }
  const spec = provider.validation;
  const body = spec.body === undefined ? undefined : JSON.stringify(spec.body);
  const probe = await sendProbe({
    url: buildUrl(opts.baseUrl, spec),
    method: spec.method,
    headers: buildHeaders(provider, apiKey, body !== undefined),
    ...(body === undefined ? {} : { body }),
    timeoutMs: opts.timeoutMs,
    ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
  });
  const outcome = interpret(provider, probe, apiKey, opts.timeoutMs);
  return { ...outcome, message: tidyText(scrubSecret(outcome.message, apiKey), MAX_MESSAGE_CHARS), latencyMs: latency() };
}

type Interpreted = Omit<ValidationOutcome, 'latencyMs'>;

function interpret(provider: ProviderDefinition, probe: ProbeResult, apiKey: string, timeoutMs: number): Interpreted {
  const name = provider.displayName;
  if (probe.kind === 'failure') {
    const message =
      probe.reason === 'timeout' ? `${name} did not answer within ${timeoutMs} ms.` : `Could not connect to ${name} (${probe.detail}).`;
    return { status: 'unreachable', message };
  }
  const { status: httpStatus, text } = probe;
  const upstream = (): string => {
    const summary = summarizeErrorBody(text.slice(0, MAX_SCANNED_CHARS));
    const clean = summary === undefined ? '' : tidyText(scrubSecret(summary, apiKey), MAX_UPSTREAM_CHARS);
    return clean ? `HTTP ${httpStatus}: ${clean}` : `HTTP ${httpStatus}`;
  };
  const cls = classifyStatus(httpStatus, text, provider.validation.rules);

  if (cls.kind === 'redirect') {
    return { status: 'unreachable', httpStatus, message: `${name} answered with a redirect (HTTP ${httpStatus}), which is never followed; check the base URL.` };
  }
  if (cls.kind === 'success') return readSuccess(provider, probe.truncated, text, httpStatus);

  switch (cls.status) {
    case 'invalid':
      return { status: 'invalid', httpStatus, message: `${name} rejected the key (${upstream()}).` };
    case 'no_credit':
      return { status: 'no_credit', httpStatus, message: `${name} accepted the key but it has no credit left (${upstream()}).` };
    case 'rate_limited': {
      const retryAfterMs = readRetryAfterMs(probe.headers, text);
      const wait = retryAfterMs === undefined ? '' : ` Retry after ${Math.ceil(retryAfterMs / 1000)} s.`;
      return {
        status: 'rate_limited',
        httpStatus,
        message: `${name} rate-limited the key check (${upstream()}).${wait}`,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      };
    }
    default: {
      const what = httpStatus >= 500 ? 'had a server error' : 'gave an answer the gateway does not recognise';
      return { status: 'unreachable', httpStatus, message: `${name} ${what} (${upstream()}).` };
    }
  }
}

function readSuccess(provider: ProviderDefinition, truncated: boolean, text: string, httpStatus: number): Interpreted {
  const name = provider.displayName;
  if (truncated) {
    // The status already proves the key; only the list is lost.
    return { status: 'valid', httpStatus, message: `${name} accepted the key.`, details: { modelsTruncated: true } };
  }
  const json = parseJson(text);
  if (json === undefined) {
    // A 200 that is not JSON is usually a web page: the base URL points somewhere else.
    return { status: 'unreachable', httpStatus, message: `${name} answered HTTP ${httpStatus} with a body that is not JSON; check the base URL.` };
  }
  const reading = SUCCESS_READERS[provider.validation.success](json);
  const extras = {
    ...(reading.models ? { models: reading.models } : {}),
    ...(reading.details ? { details: reading.details } : {}),
  };
  if (reading.status === 'valid') {
    const count = reading.models ? ` (${reading.models.length} models available)` : '';
    return { status: 'valid', httpStatus, message: `${name} accepted the key${count}.`, ...extras };
  }
  const why = reading.reason ?? reading.status;
  const message = reading.status === 'invalid' ? `${name} rejected the key (${why}).` : `${name} accepted the key but ${why}.`;
  return { status: reading.status, httpStatus, message, ...extras };
}
