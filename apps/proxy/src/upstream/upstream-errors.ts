import { AppError } from '@byok/http';

const TIMEOUT_CODES: ReadonlySet<string> = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** True when undici gave up waiting on the upstream (connect, headers or body timeout). */
export function isUpstreamTimeout(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' && TIMEOUT_CODES.has(error.code);
}

/**
 * The client-facing error for an upstream call that failed without an HTTP answer. The message
 * names the provider and never quotes the underlying error (it could carry a URL or an address).
 */
export function upstreamFailure(error: unknown, providerName: string): AppError {
  if (isUpstreamTimeout(error)) return new AppError('upstream_timeout', `${providerName} did not answer in time`, { cause: error });
  return new AppError('upstream_error', `Could not reach ${providerName}`, { cause: error });
}

/** undici's `request` does not follow redirects, and neither does the gateway: a key must not follow one. */
export function upstreamRedirect(status: number, providerName: string): AppError {
  return new AppError('upstream_error', `${providerName} answered with a redirect (HTTP ${status}), which the gateway does not follow; check the provider's base URL`);
}

/** A 2xx whose body is not what the dialect expects. */
export function malformedUpstream(providerName: string): AppError {
  return new AppError('upstream_error', `${providerName} returned a malformed response`);
}
