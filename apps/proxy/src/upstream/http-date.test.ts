import { describe, expect, it } from 'vitest';
import { parseHttpDate } from './http-date.js';

const now = Date.UTC(2026, 11, 10);
const at = (y: number, mo: number, d: number, h: number, mi: number, s: number) => Date.UTC(y, mo - 1, d, h, mi, s);

describe('parseHttpDate', () => {
  it('reads the three forms of RFC 9110 §5.6.7', () => {
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT', now)).toBe(at(1994, 11, 6, 8, 49, 37));
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', now)).toBe(at(1994, 11, 6, 8, 49, 37));
    expect(parseHttpDate('Sun Nov  6 08:49:37 1994', now)).toBe(at(1994, 11, 6, 8, 49, 37));
  });

  it('puts a two-digit year more than 50 years ahead in the past century', () => {
    expect(parseHttpDate('Friday, 01-Jan-76 00:00:00 GMT', now)).toBe(at(2076, 1, 1, 0, 0, 0));
    expect(parseHttpDate('Thursday, 01-Jan-77 00:00:00 GMT', now)).toBe(at(1977, 1, 1, 0, 0, 0));
  });

  it.each(['-5', 'soon 2', '5, 6', '2001', 'Sun, 6 Nov 1994 08:49:37 GMT', 'Sun, 06 Nov 1994 08:49:37 UTC', 'Sun, 06 Nov 1994 08:49:37 GMT trailing', 'Mon, 31 Feb 2099 07:28:00 GMT', 'Sun, 06 Nov 1994 08:60:00 GMT', 'sun, 06 nov 1994 08:49:37 gmt'])(
    'is NaN for %j',
    (text) => {
      expect(parseHttpDate(text, now)).toBeNaN();
    },
  );
});
