/**
 * The closed value sets shared by span attributes and metric attributes. Kept here rather than
 * imported from libs/queues or libs/providers because this library depends on nothing but
 * `@opentelemetry/api`; the values match `CREDENTIAL_SOURCES` in libs/queues.
 */

/** Which credential paid for a proxied request: the user's OpenRouter key, the user's provider key, or the platform's. */
export type CredentialSource = 'user_openrouter' | 'user_provider' | 'system';

/**
 * How a proxied request ended, as the gateway saw it:
 * - `success`: the upstream answered 2xx and the answer reached the client;
 * - `client_error`: refused before or by the upstream because of the request (4xx other than 429);
 * - `rate_limited`: the upstream answered 429;
 * - `upstream_error`: the upstream answered 5xx, broke the stream or could not be reached;
 * - `timeout`: no upstream answer within the timeout;
 * - `aborted`: the client went away first.
 */
export type ProxyOutcome = 'success' | 'client_error' | 'rate_limited' | 'upstream_error' | 'timeout' | 'aborted';

/** Outcomes that mark the span as an error (the gateway or its upstream failed the caller). */
export const ERROR_OUTCOMES: ReadonlySet<ProxyOutcome> = new Set(['upstream_error', 'timeout']);
