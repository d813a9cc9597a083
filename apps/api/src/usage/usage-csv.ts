import { toCsv } from '../http/csv-writer.js';
import { METRIC_COLUMNS } from './usage-view.js';
import type { UserUsageReport } from './usage.schemas.js';

/**
 * A usage report's groups as CSV: a header row naming the grouping column (`provider`, `model`,
 * `day`, `credential_source`, or an organization's `member`) and the metric columns, then one row
 * per group. Totals are left out so every row is one group and a spreadsheet's SUM gives them back.
 */
export function userUsageCsv(report: Pick<UserUsageReport, 'groups'> & { group_by: string }): string {
  return toCsv(
    [report.group_by, ...METRIC_COLUMNS],
    report.groups.map((g) => [g.key, ...METRIC_COLUMNS.map((column) => g[column])]),
  );
}
