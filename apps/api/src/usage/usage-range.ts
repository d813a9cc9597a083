import { AppError } from '@byok/http';

/** How far back a report reaches when the caller names no `from`. */
export const DEFAULT_RANGE_DAYS = 30;
/** The widest report: a leap year, so "this day last year through today" always fits. */
export const MAX_RANGE_DAYS = 366;

const DAY_MS = 86_400_000;
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
/**
 * The earliest day a report may name. Postgres has no year 0 (`0000-01-01` is out of range for its
 * date type, and a range ending there made a 500); no usage predates the Unix epoch anyway.
 */
const MIN_DAY = '1970-01-01';
const MIN_TIME = Date.parse(`${MIN_DAY}T00:00:00Z`);

/** An inclusive range of UTC days, as `YYYY-MM-DD`. */
export interface DayRange {
  from: string;
  to: string;
  /** Every day of the range in order (for dense daily series). */
  days: string[];
}

/**
 * Resolves `from`/`to` query values into a range of whole UTC days. Without `to` the range ends
 * today; without `from` it starts DEFAULT_RANGE_DAYS - 1 days before `to`. Bad values are 400s
 * that name the parameter (`querystring/from`), as schema violations are.
 */
export function resolveDayRange(query: { from?: string; to?: string }, now: Date): DayRange {
  const to = query.to !== undefined ? parseDay(query.to, 'to') : startOfUtcDay(now);
  // A default range that would reach before the first day starts on it instead.
  const from = query.from !== undefined ? parseDay(query.from, 'from') : Math.max(MIN_TIME, to - (DEFAULT_RANGE_DAYS - 1) * DAY_MS);
  if (to < from) throw invalid('to', 'must be on or after from');
  const length = (to - from) / DAY_MS + 1;
  if (length > MAX_RANGE_DAYS) throw invalid(query.to !== undefined ? 'to' : 'from', `the range may span at most ${MAX_RANGE_DAYS} days`);
  const days = Array.from({ length }, (_, i) => formatDay(from + i * DAY_MS));
  return { from: formatDay(from), to: formatDay(to), days };
}

function parseDay(value: string, name: string): number {
  const time = ISO_DAY.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN;
  // Date.parse rolls 2025-02-30 over to March; a day that does not round-trip is not a day.
  if (Number.isNaN(time) || formatDay(time) !== value) throw invalid(name, 'must be a date as YYYY-MM-DD');
  if (time < MIN_TIME) throw invalid(name, `must be ${MIN_DAY} or later`);
  return time;
}

function startOfUtcDay(now: Date): number {
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
}

function formatDay(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

function invalid(name: string, message: string): AppError {
  const path = `querystring/${name}`;
  return new AppError('validation_failed', `${path}: ${message}`, { details: [{ path, message }] });
}
