import { parseJson } from './error-summary.js';

/** A provider asking for more than an hour is treated as an hour; the worker re-checks anyway. */
const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

type Headers = Record<string, string | string[] | undefined>;

function firstHeader(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** `retry-after` as delay-seconds (possibly fractional) or an HTTP date. */
function fromHeader(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** Gemini sends no header but may put `RetryInfo.retryDelay` ("13s") in `error.details`. */
function fromGoogleRetryInfo(text: string): number | undefined {
  const body = parseJson(text);
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
  const error = body.error;
  if (typeof error !== 'object' || error === null || !('details' in error) || !Array.isArray(error.details)) return undefined;
  for (const d of error.details as unknown[]) {
    if (typeof d === 'object' && d !== null && 'retryDelay' in d && typeof d.retryDelay === 'string') {
      const m = /^(\d+(?:\.\d+)?)s$/.exec(d.retryDelay);
      if (m?.[1]) return Math.round(Number(m[1]) * 1000);
    }
  }
  return undefined;
}

/** How long the provider asked us to wait, in milliseconds, capped at one hour. */
export function readRetryAfterMs(headers: Headers, text: string, nowMs: number = Date.now()): number | undefined {
  const ms = fromHeader(firstHeader(headers, 'retry-after'), nowMs) ?? fromGoogleRetryInfo(text);
  return ms === undefined ? undefined : Math.min(ms, MAX_RETRY_AFTER_MS);
}
