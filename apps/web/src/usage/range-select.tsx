import { useId } from 'react';

/** The ranges the usage views offer, in whole UTC days ending today. */
export const RANGES = [7, 30, 90] as const;
export type RangeDays = (typeof RANGES)[number];

/** "Last N days", for the user's usage and an organization's. */
export function RangeSelect({ days, onChange }: { days: RangeDays; onChange: (days: RangeDays) => void }) {
  const selectId = useId();
  return (
    <div className="field field-inline">
      <label htmlFor={selectId}>Range</label>
      <select id={selectId} value={days} onChange={(e) => onChange(Number(e.target.value) as RangeDays)}>
        {RANGES.map((n) => (
          <option key={n} value={n}>
            Last {n} days
          </option>
        ))}
      </select>
    </div>
  );
}
