import type { ProxyOutcome } from '@byok/telemetry';

/** How a proxied request ended, in the closed vocabulary spans and metrics share. */
export function proxyOutcome(status: number, aborted: boolean): ProxyOutcome {
  if (aborted) return 'aborted';
  if (status < 400) return 'success';
  if (status === 429) return 'rate_limited';
  if (status === 504) return 'timeout';
  if (status >= 500) return 'upstream_error';
  return 'client_error';
}
