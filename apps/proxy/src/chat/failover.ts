import type { KeyBlock, KeyFailure } from '@byok/key-health';
import { parseHttpDate } from '../upstream/http-date.js';
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

/** `delay-seconds` of RFC 9110 §10.2.3: digits only (no sign, fraction, exponent or list). */
const DELAY_SECONDS = /^\d+$/;

/**
 * A `Retry-After` as a wait in ms from now: whole seconds, or an HTTP-date in the future.
 * Undefined for anything else, and the key is then cooled exponentially: `Date.parse` read text
 * such as `-5`, `soon 2` or `5, 6` as dates in 2001, which made the wait 0 and the next request
 * hit the same limited key. A wait of nothing (`0`, or a date not in the future) is undefined too:
 * an upstream that refuses a request while saying "retry now" would otherwise be hammered.
 */
export function retryAfterMs(header: string | string[] | undefined, nowMs = Date.now()): number | undefined {
  const text = (Array.isArray(header) ? header[0] : header)?.trim();
  if (text === undefined) return undefined;
  const waitMs = DELAY_SECONDS.test(text) ? Number(text) * 1000 : parseHttpDate(text, nowMs) - nowMs;
  return waitMs > 0 ? waitMs : undefined;
}

/** Where an attempt stood when its upstream failed: what had come back, and what the client had. */
export interface BrokenAttempt {
  /** The upstream's status, when its headers had come before the failure. */
  answeredStatus: number | undefined;
  stream: boolean;
  /** Anything of the answer already sent to the client. */
  replySent: boolean;
  /** A platform key spends the platform's money upstream; the user pays it in credits. */
  platformKey: boolean;
  /** The attempt holds a budget: the request is counted once, by the attempt that ends it. */
  budgeted: boolean;
}

/**
 * Whether another key may take over an attempt whose upstream failed. Never once anything reached
 * the client, nor for a stream that had started. A non-streamed answer that broke off mid-body
 * moves on only when its status was one the pool moves on from anyway (2xx, or a failover status
 * whose error body broke), never after a 400, 404 or 422; and only from the user's own key with
 * no budget held. A platform key's upstream has produced (and billed) most of that answer, and the
 * next attempt would leave it unpaid in credits; a budget counts a request once, by the attempt
 * that ends it, and the next attempt would leave the broken one's spend out. Then the break is the
 * client's 502, charged and counted at the estimate, as before failover.
 */
export function mayFailOverAfterBreak(attempt: BrokenAttempt): boolean {
  if (attempt.replySent) return false;
  const status = attempt.answeredStatus;
  if (status === undefined) return true;
  if (!(status < 300 || isFailoverStatus(status))) return false;
  return !attempt.stream && !attempt.platformKey && !attempt.budgeted;
}

/** Whole seconds from now until `untilMs`, at least 1: a receipt's `cooled 2s`, a `Retry-After`. */
export function secondsUntil(untilMs: number, nowMs = Date.now()): number {
  return Math.max(1, Math.ceil((untilMs - nowMs) / 1000));
}

/** The receipt's words for an attempt that failed with a status: `429 cooled 2s`, `503 circuit open 30s`, `500`. */
export function statusOutcome(status: number, block: KeyBlock | null, nowMs = Date.now()): string {
  if (block === null) return String(status);
  const seconds = secondsUntil(block.untilMs, nowMs);
  return block.reason === 'cooling_down' ? `${status} cooled ${seconds}s` : `${status} circuit open ${seconds}s`;
}

/**
 * The receipt's words for an attempt whose answer never came whole: `timeout` (no headers, or no
 * more of the body, in time) or `unreachable`; after the upstream's status came (`answeredStatus`),
 * `200 timeout` or `200 cut off`.
 */
export function errorOutcome(error: unknown, block: KeyBlock | null, answeredStatus?: number, nowMs = Date.now()): string {
  const timedOut = isUpstreamTimeout(error);
  const what = answeredStatus === undefined ? (timedOut ? 'timeout' : 'unreachable') : `${answeredStatus} ${timedOut ? 'timeout' : 'cut off'}`;
  if (block === null) return what;
  return `${what} circuit open ${secondsUntil(block.untilMs, nowMs)}s`;
}
