/**
 * The query of an audit read (`GET /api/v1/audit`, `GET /api/v1/orgs/{org}/audit`): the same
 * filters, cursors and exports on both routes, so both are asked through this one builder.
 */

/** What a reader narrows the trail to; days are the reader's calendar days (local time). */
export interface AuditFilter {
  action?: string;
  provider?: string;
  /** First day shown, `YYYY-MM-DD`. */
  fromDay?: string;
  /** Last day shown (whole), `YYYY-MM-DD`. */
  toDay?: string;
}

/** The exports the routes stream: every matching record, not one page. */
export type AuditExportFormat = 'csv' | 'jsonl';

export const AUDIT_PAGE_SIZE = 25;

/**
 * The query string (without `?`) for a page after `cursor`, or for an export. A cursor belongs to
 * the filters it was read with (the API refuses it with others), so callers restart from null
 * whenever the filter changes.
 */
export function auditSearch(filter: AuditFilter, read: { cursor: string | null } | { format: AuditExportFormat }): string {
  const params = new URLSearchParams();
  if (filter.action) params.set('action', filter.action);
  if (filter.provider) params.set('provider', filter.provider);
  const from = filter.fromDay ? startOfDay(filter.fromDay, 0) : null;
  // `to` is exclusive on the API: the start of the day after the last one shown.
  const to = filter.toDay ? startOfDay(filter.toDay, 1) : null;
  if (from) params.set('from', from);
  if (to) params.set('to', to);
  if ('format' in read) params.set('format', read.format);
  else {
    params.set('limit', String(AUDIT_PAGE_SIZE));
    if (read.cursor) params.set('cursor', read.cursor);
  }
  return params.toString();
}

/** Local midnight of `day` plus `addDays`, as the RFC 3339 instant the API expects; null for a day that is not one. */
function startOfDay(day: string, addDays: number): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return null;
  const at = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + addDays);
  return Number.isNaN(at.getTime()) ? null : at.toISOString();
}
