import { describe, expect, it } from 'vitest';
import { toDate, toDateOrNull } from './column-values.js';

describe('toDate', () => {
  it.each([
    ['2025-10-26 12:00:00', '2025-10-26T12:00:00.000Z'],
    ['2025-10-26 12:00:00.123456', '2025-10-26T12:00:00.123Z'],
    ['2026-11-27 03:13:11.776+00', '2026-11-27T03:13:11.776Z'],
    ['2026-11-27 05:13:11+02', '2026-11-27T03:13:11.000Z'],
    ['2026-11-27T03:13:11.776Z', '2026-11-27T03:13:11.776Z'],
  ])('%s', (input, iso) => {
    expect(toDate(input).toISOString()).toBe(iso);
  });

  it('passes Dates and nulls through', () => {
    const d = new Date();
    expect(toDate(d)).toBe(d);
    expect(toDateOrNull(null)).toBeNull();
  });
});
