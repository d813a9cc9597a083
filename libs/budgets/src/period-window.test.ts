import { describe, expect, it } from 'vitest';
import { isKnownTimeZone, periodWindow } from './period-window.js';

const at = (iso: string) => Date.parse(iso);

describe('periodWindow', () => {
  it('gives UTC days, ISO weeks from Monday and calendar months', () => {
    expect(periodWindow('day', 'UTC', at('2026-12-07T15:00:00Z'))).toEqual({ startMs: at('2026-12-07T00:00:00Z'), endMs: at('2026-12-08T00:00:00Z'), id: '2026-12-07' });
    // 2026-12-06 is a Sunday: its week began on Monday the 30th of November.
    expect(periodWindow('week', 'UTC', at('2026-12-06T23:59:59Z'))).toEqual({ startMs: at('2026-11-30T00:00:00Z'), endMs: at('2026-12-07T00:00:00Z'), id: '2026-11-30' });
    expect(periodWindow('month', 'UTC', at('2026-12-31T23:59:59.999Z'))).toEqual({ startMs: at('2026-12-01T00:00:00Z'), endMs: at('2027-01-01T00:00:00Z'), id: '2026-12-01' });
  });

  it('starts a day at local midnight in the budget\'s time zone', () => {
    // 02:00 UTC on the 7th is still the 6th in New York (UTC-5 in December).
    expect(periodWindow('day', 'America/New_York', at('2026-12-07T02:00:00Z'))).toEqual({ startMs: at('2026-12-06T05:00:00Z'), endMs: at('2026-12-07T05:00:00Z'), id: '2026-12-06' });
    expect(periodWindow('day', 'Asia/Kolkata', at('2026-12-06T20:00:00Z')).id).toBe('2026-12-07');
  });

  it('lets a day last 23 or 25 hours across daylight-saving changes', () => {
    const spring = periodWindow('day', 'Europe/Berlin', at('2026-03-29T12:00:00Z'));
    expect(spring.endMs - spring.startMs).toBe(23 * 3_600_000);
    expect(spring.startMs).toBe(at('2026-03-28T23:00:00Z'));
    const autumn = periodWindow('day', 'Europe/Berlin', at('2026-10-25T12:00:00Z'));
    expect(autumn.endMs - autumn.startMs).toBe(25 * 3_600_000);
  });

  it('contains the instant it was asked about, for many instants and zones', () => {
    for (const zone of ['UTC', 'America/Los_Angeles', 'Australia/Lord_Howe', 'Pacific/Chatham', 'America/Santiago', 'Asia/Kathmandu']) {
      for (let ms = at('2026-01-01T00:00:00Z'); ms < at('2027-01-01T00:00:00Z'); ms += 7 * 3_600_000 + 13 * 60_000) {
        for (const period of ['day', 'week', 'month'] as const) {
          const w = periodWindow(period, zone, ms);
          expect(w.startMs <= ms && ms < w.endMs, `${zone} ${period} ${new Date(ms).toISOString()}`).toBe(true);
        }
      }
    }
  });

  it('knows IANA names and refuses others', () => {
    expect(isKnownTimeZone('Europe/Paris')).toBe(true);
    expect(isKnownTimeZone('UTC')).toBe(true);
    expect(isKnownTimeZone('Mars/Olympus')).toBe(false);
    expect(isKnownTimeZone('')).toBe(false);
  });
});
