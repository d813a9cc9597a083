const MONTH = '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

interface DateParts {
  day: string;
  month: string;
  year: number;
  time: readonly string[];
}

/**
 * The three HTTP-date forms a recipient must accept (RFC 9110 §5.6.7), whole-text matches only,
 * and where each keeps its day, month, year and time.
 */
const FORMS: ReadonlyArray<{ pattern: RegExp; parts(match: RegExpExecArray, nowMs: number): DateParts }> = [
  // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
  {
    pattern: new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`),
    parts: (m) => ({ day: String(m[1]), month: String(m[2]), year: Number(m[3]), time: m.slice(4, 7) }),
  },
  // rfc850-date (obsolete): Sunday, 06-Nov-94 08:49:37 GMT
  {
    pattern: new RegExp(`^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`),
    parts: (m, nowMs) => ({ day: String(m[1]), month: String(m[2]), year: centuryOf(Number(m[3]), nowMs), time: m.slice(4, 7) }),
  },
  // asctime-date (obsolete): Sun Nov  6 08:49:37 1994
  {
    pattern: new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`),
    parts: (m) => ({ day: String(m[2]), month: String(m[1]), year: Number(m[6]), time: m.slice(3, 6) }),
  },
];

/**
 * Epoch ms of an HTTP-date, or NaN for any other text (`Date.parse` accepts far more, e.g. `-5`
 * or `soon 2` as dates in 2001) and for an impossible date such as 31 Feb or 24:00. The weekday
 * name is checked for form only: it repeats what the date says.
 */
export function parseHttpDate(text: string, nowMs: number): number {
  for (const form of FORMS) {
    const match = form.pattern.exec(text);
    if (match !== null) return epochOf(form.parts(match, nowMs));
  }
  return Number.NaN;
}

function epochOf(parts: DateParts): number {
  const [day, hour, minute, second] = [parts.day, ...parts.time].map(Number) as [number, number, number, number];
  const ms = Date.UTC(parts.year, MONTHS.indexOf(parts.month), day, hour, minute, second);
  const back = new Date(ms);
  // Date.UTC rolls an impossible date over (31 Feb into March, 24:00 into the next day).
  const exact = back.getUTCDate() === day && back.getUTCHours() === hour && back.getUTCMinutes() === minute && back.getUTCSeconds() === second;
  return exact ? ms : Number.NaN;
}

/** A two-digit year more than 50 years ahead is the latest past year ending in those digits (RFC 9110 §5.6.7). */
function centuryOf(twoDigits: number, nowMs: number): number {
  const current = new Date(nowMs).getUTCFullYear();
  const year = current - (current % 100) + twoDigits;
  return year > current + 50 ? year - 100 : year;
}
