import type { BudgetPeriod } from './budget.js';

/** One period of a budget: `[startMs, endMs)`, and an id that names it in counter keys and dedupe keys. */
export interface PeriodWindow {
  startMs: number;
  endMs: number;
  /** The period's first local day, `YYYY-MM-DD`: the same on every instance for the same period. */
  id: string;
}

/** Whether `timeZone` is an IANA zone name this runtime knows (`UTC` included). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The period of `period` in `timeZone` that contains `nowMs`. Days start at local midnight, weeks
 * on Monday, months on the 1st. Daylight-saving shifts are honoured: a local day may last 23 or
 * 25 hours; where local midnight does not exist, the period starts at the first instant after it.
 */
export function periodWindow(period: BudgetPeriod, timeZone: string, nowMs: number): PeriodWindow {
  // Every request asks, and the answer changes once a period: the zone's clock (Intl) is read only
  // when \`nowMs\` leaves the window last computed for this period and zone.
  const windows = lastWindows[period];
  const known = windows.get(timeZone);
  if (known !== undefined && known.startMs <= nowMs && nowMs < known.endMs) return known;
  const window = computeWindow(period, timeZone, nowMs);
  if (windows.size >= MAX_REMEMBERED_WINDOWS) windows.clear();
  windows.set(timeZone, window);
  return window;
}

/** The last window per period, by zone (a few hundred zones exist; the bound is against a flood of bad ones). */
const lastWindows: Record<BudgetPeriod, Map<string, PeriodWindow>> = { day: new Map(), week: new Map(), month: new Map() };
const MAX_REMEMBERED_WINDOWS = 2048;

function computeWindow(period: BudgetPeriod, timeZone: string, nowMs: number): PeriodWindow {
  const local = localDate(timeZone, nowMs);
  const start = periodStart(period, local);
  const end = period === 'day' ? addDays(start, 1) : period === 'week' ? addDays(start, 7) : addMonths(start, 1);
  return Object.freeze({ startMs: localMidnightToUtc(timeZone, start), endMs: localMidnightToUtc(timeZone, end), id: isoDay(start) });
}

interface LocalDay {
  year: number;
  /** 1–12. */
  month: number;
  day: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let found = formatters.get(timeZone);
  if (found === undefined) {
    found = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, found);
  }
  return found;
}

/** The zone's wall clock at `ms`, as if it were UTC (for offset arithmetic). */
function wallClockMs(timeZone: string, ms: number): number {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(ms)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  return Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0);
}

function localDate(timeZone: string, ms: number): LocalDay {
  const wall = new Date(wallClockMs(timeZone, ms));
  return { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate() };
}

function periodStart(period: BudgetPeriod, d: LocalDay): LocalDay {
  if (period === 'day') return d;
  if (period === 'month') return { year: d.year, month: d.month, day: 1 };
  const weekday = new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay(); // 0 = Sunday
  return addDays(d, -((weekday + 6) % 7));
}

function addDays(d: LocalDay, days: number): LocalDay {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + days));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

function addMonths(d: LocalDay, months: number): LocalDay {
  const t = new Date(Date.UTC(d.year, d.month - 1 + months, 1));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: 1 };
}

/**
 * The UTC instant of local midnight starting `d`. The offset is read at a first guess and again at
 * the corrected instant, which settles it on both sides of a daylight-saving change; a midnight the
 * change skips resolves to the instant after the gap.
 */
function localMidnightToUtc(timeZone: string, d: LocalDay): number {
  const wall = Date.UTC(d.year, d.month - 1, d.day);
  let guess = wall - (wallClockMs(timeZone, wall) - wall);
  guess = wall - (wallClockMs(timeZone, guess) - guess);
  // In a skipped midnight the wall clock at `guess` is past midnight of the day before or after; go to the day's first instant.
  const check = wallClockMs(timeZone, guess);
  if (check < wall) guess += wall - check;
  return guess;
}

function isoDay(d: LocalDay): string {
  return `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}
