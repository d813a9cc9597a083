import type { KeyBlock, KeyFailure } from '@byok/key-health';
import { isUpstreamTimeout } from '../upstream/upstream-errors.js';

/**
 * Upstream statuses after which the next candidate is tried (when no byte of the answer went to
 * the client yet): the key was refused (401/403) or has no credit (402), it is rate-limited (429),
 * or the upstream failed (500, 502, 503, 504, and Anthropic's 529 "overloaded"). A 400, 404 or 422
 * describes the request, which another key would not fix; it is returned as it is.
 */
const FAILOVER_STATUSES: ReadonlySet<number> = new Set([401, 402, 403, 429, 500, 502, 503, 504, 529]);

export function isFailoverStatus(status: number): boolean {
  return FAILOVER_STATUSES.has(status);
}

/** What a failover status says about the key, for its health. */
export function failureOfStatus(status: number, retryAfterHeader: string | string[] | undefined, nowMs = Date.now()): KeyFailure {
  if (status === 429) return { kind: 'rate_limited', retryAfterMs: retryAfterMs(retryAfterHeader, nowMs) };
  if (status === 401 || status === 403 || status === 402) return { kind: 'refused' };
  return { kind: 'fault' };
}

/** A `Retry-After` in seconds or as an HTTP date, in ms from now; undefined when absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, nowMs = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** The receipt's words for an attempt that failed with a status: `429 cooled 2s`, `503 circuit open 30s`, `500`. */
export function statusOutcome(status: number, block: KeyBlock | null, nowMs = Date.now()): string {
  if (block === null) return String(status);
  const seconds = Math.max(1, Math.ceil((block.untilMs - nowMs) / 1000));
  return block.reason === 'cooling_down' ? `${status} cooled ${seconds}s` : `${status} circuit open ${seconds}s`;
}

/** The receipt's words for an attempt that got no answer: `timeout` (no headers in time) or `unreachable`. */
export function errorOutcome(error: unknown, block: KeyBlock | null, nowMs = Date.now()): string {
  const what = isUpstreamTimeout(error) ? 'timeout' : 'unreachable';
  if (block === null) return what;
  return `${what} circuit open ${Math.max(1, Math.ceil((block.untilMs - nowMs) / 1000))}s`;
}
