import type { UsageMetrics } from '../api/types.js';
import { formatDollars, formatNumber } from '../ui/format.js';

interface UsageTableProps {
  caption: string;
  keyLabel: string;
  rows: Array<UsageMetrics & { key: string }>;
  nameOf?: (key: string) => string;
  /** The BYOK calls column's heading: whose keys served them. */
  byokLabel?: string;
}

/** One grouping of the range (per provider, model, member or day) as a table: the chart's numbers in text. */
export function UsageTable({ caption, keyLabel, rows, nameOf, byokLabel = 'On your keys' }: UsageTableProps) {
  if (rows.length === 0) return null;
  const sorted = [...rows].sort((a, b) => b.calls - a.calls);
  return (
    <div className="table-wrap">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{keyLabel}</th>
            <th scope="col" className="num">Calls</th>
            <th scope="col" className="num">Tokens</th>
            <th scope="col" className="num">Cost</th>
            <th scope="col" className="num">
              {byokLabel}
            </th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((r) => (
            <tr key={r.key}>
              <th scope="row">{nameOf ? nameOf(r.key) : r.key}</th>
              <td className="num">{formatNumber(r.calls)}</td>
              <td className="num">{formatNumber(r.prompt_tokens + r.completion_tokens)}</td>
              <td className="num">{formatDollars(r.cost_micro)}</td>
              <td className="num">{formatNumber(r.byok_calls)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
